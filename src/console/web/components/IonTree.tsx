/** A result value, nested structs and lists folded open on a click. */
import { dom, IonTypes } from 'ion-js';
import { useState } from 'preact/hooks';
import { cellText, isContainer } from '../model/ion';

export function IonTree({ value, open = false }: { value: dom.Value; open?: boolean }) {
  const [expanded, setExpanded] = useState(open);
  if (!isContainer(value)) return <span class={`ion ion-${value.getType().name}`}>{cellText(value)}</span>;
  const struct = value.getType() === IonTypes.STRUCT;
  const annotations = value.getAnnotations().map((a) => `${a}::`).join('');
  const [openBr, closeBr] = struct ? ['{', '}'] : value.getType() === IonTypes.LIST ? ['[', ']'] : ['(', ')'];
  const children = struct ? [...value.fields()] : value.elements().map((v, i) => [String(i), v] as [string, dom.Value]);
  if (!expanded) {
    return (
      <button type="button" class="ion-toggle" data-test="expand" onClick={() => setExpanded(true)} title="expand">
        {annotations}
        {openBr}…{children.length}
        {closeBr}
      </button>
    );
  }
  return (
    <span class="ion-open">
      <button type="button" class="ion-toggle" onClick={() => setExpanded(false)} title="collapse">
        {annotations}
        {openBr}
      </button>
      <ul>
        {children.map(([name, v]) => (
          <li key={name}>
            {struct && <span class="ion-field">{name}: </span>}
            <IonTree value={v} />
          </li>
        ))}
      </ul>
      {closeBr}
    </span>
  );
}
