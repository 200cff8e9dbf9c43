// The journal core works on Node Buffers; in the browser the `buffer` package stands in.
export { Buffer } from 'buffer';
