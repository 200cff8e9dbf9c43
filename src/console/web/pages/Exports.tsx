/**
 * Journal exports to S3: the ledger's exports with their status (refreshed while one runs), a
 * form for ExportJournalToS3, and one export's description; below, the ledger's journal streams
 * to Kinesis (refreshed while one runs), started with StreamJournalToKinesis from a client.
 */
import { describeExport, describeLedger, exportJournal, listExports, listStreams, type ExportDescription, type StreamDescription } from '../api/control';
import { ErrorBox, ListTable, NeedLedger } from '../components/common';
import { Choice, FormCard, TextField, useForm } from '../components/forms';
import { useLoad, when } from '../hooks';
import { href, navigate } from '../route';

const running = (list: ExportDescription[]) => list.some((e) => e.Status === 'IN_PROGRESS');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function Exports({ ledger, params }: { ledger?: string; params: Record<string, string> }) {
  const list = useLoad(() => (ledger ? listExports(ledger) : Promise.resolve([])), [ledger], { everyMs: 500, while: running });
  const sorted = [...(list.data ?? [])].sort((a, b) => b.ExportCreationTime - a.ExportCreationTime);
  return (
    <section>
      <h1>Exports</h1>
      <NeedLedger ledger={ledger} />
      <ErrorBox error={list.error} />
      <ListTable test="exports" columns={['Export id', 'Status', 'Created', 'Journal from', 'to', 'Destination', 'Format']}>
          {sorted.map((e) => (
            <tr key={e.ExportId} data-test={`export-${e.ExportId}`}>
              <td>
                <a href={href('exports', { ledger, export: e.ExportId })}>
                  <code>{e.ExportId}</code>
                </a>
              </td>
              <td data-test="status" class={`state state-${e.Status}`}>
                {e.Status}
              </td>
              <td>{when(e.ExportCreationTime)}</td>
              <td>{when(e.InclusiveStartTime)}</td>
              <td>{when(e.ExclusiveEndTime)}</td>
              <td>
                s3://{e.S3ExportConfiguration.Bucket}/{e.S3ExportConfiguration.Prefix}
              </td>
              <td>{e.OutputFormat}</td>
            </tr>
          ))}
      </ListTable>
      {ledger && list.data && !list.data.length && <p class="hint">No exports of this ledger within the retention period.</p>}
      {ledger && params.export && <Description key={params.export} ledger={ledger} id={params.export} />}
      {ledger && <ExportForm key={ledger} ledger={ledger} onStarted={(id) => (list.reload(), navigate('exports', { ledger, export: id }))} />}
      {ledger && <Streams ledger={ledger} />}
    </section>
  );
}

const streaming = (list: StreamDescription[]) => list.some((s) => s.Status === 'ACTIVE' || s.Status === 'IMPAIRED');

function Streams({ ledger }: { ledger: string }) {
  const list = useLoad(() => listStreams(ledger), [ledger], { everyMs: 1000, while: streaming });
  const sorted = [...(list.data ?? [])].sort((a, b) => (b.CreationTime ?? 0) - (a.CreationTime ?? 0));
  return (
    <>
      <h2>Streams to Kinesis</h2>
      <ErrorBox error={list.error} />
      <ListTable test="streams" columns={['Stream id', 'Name', 'Status', 'Created', 'Journal from', 'to', 'Kinesis stream', 'Aggregated']}>
        {sorted.map((s) => (
          <tr key={s.StreamId} data-test={`stream-${s.StreamId}`}>
            <td>
              <code>{s.StreamId}</code>
            </td>
            <td>{s.StreamName}</td>
            <td data-test="status" class={`state state-${s.Status}`}>
              {s.Status}
              {s.ErrorCause ? ` (${s.ErrorCause})` : ''}
            </td>
            <td>{s.CreationTime !== undefined && when(s.CreationTime)}</td>
            <td>{s.InclusiveStartTime !== undefined && when(s.InclusiveStartTime)}</td>
            <td>{s.ExclusiveEndTime !== undefined ? when(s.ExclusiveEndTime) : 'until canceled'}</td>
            <td>
              <code>{s.KinesisConfiguration.StreamArn}</code>
            </td>
            <td>{s.KinesisConfiguration.AggregationEnabled === false ? 'no' : 'yes'}</td>
          </tr>
        ))}
      </ListTable>
      {list.data && !list.data.length && (
        <p class="hint">No journal streams of this ledger within the retention period. Start one with StreamJournalToKinesis (the server needs --kinesis-endpoint).</p>
      )}
    </>
  );
}

function Description({ ledger, id }: { ledger: string; id: string }) {
  const d = useLoad(() => describeExport(ledger, id), [ledger, id], { everyMs: 500, while: (e) => e.Status === 'IN_PROGRESS' });
  return (
    <div class="card" data-test="export-description">
      <h2>Export {id}</h2>
      <ErrorBox error={d.error} />
      {d.data && (
        <>
          {d.data.Status === 'IN_PROGRESS' && <progress data-test="export-progress" />}
          <pre class="ion-text">{JSON.stringify(d.data, (key, value) => (key.endsWith('Time') && typeof value === 'number' ? when(value) : value), 2)}</pre>
        </>
      )}
    </div>
  );
}

/** When the journal range is typed in UTC (`2026-01-31T12:00:00Z`); empty means now. */
function seconds(text: string): number {
  const ms = text.trim() ? Date.parse(text) : Date.now();
  if (Number.isNaN(ms)) throw new Error(`${text} is not a date and time (2026-01-31T12:00:00Z)`);
  return ms / 1000;
}

function ExportForm({ ledger, onStarted }: { ledger: string; onStarted: (id: string) => void }) {
  const [form, set] = useForm({
    bucket: 'openqldb-exports',
    prefix: `${ledger}/`,
    start: iso(Date.now() - 86_400_000),
    end: '',
    roleArn: '',
    format: 'ION_TEXT',
    encryption: 'SSE_S3',
    kmsKeyArn: '',
  });
  return (
    <FormCard
      title="Export the journal to S3"
      test="export"
      submit="Start export"
      onSubmit={async () => {
        // the role is only recorded; by default it names the ledger's own account, as an AWS role would
        const account = (await describeLedger(ledger)).Arn?.split(':')[4] ?? '000000000000';
        const id = await exportJournal(ledger, {
          InclusiveStartTime: seconds(form.start),
          ExclusiveEndTime: seconds(form.end),
          S3ExportConfiguration: {
            Bucket: form.bucket,
            Prefix: form.prefix,
            EncryptionConfiguration: { ObjectEncryptionType: form.encryption, ...(form.encryption === 'SSE_KMS' ? { KmsKeyArn: form.kmsKeyArn } : {}) },
          },
          RoleArn: form.roleArn || `arn:aws:iam::${account}:role/qldb-export`,
          OutputFormat: form.format,
        });
        onStarted(id);
      }}
    >
      <div class="row">
        <TextField label="Bucket" name="bucket" required value={form.bucket} onInput={set('bucket')} />
        <TextField label="Prefix" name="prefix" value={form.prefix} onInput={set('prefix')} />
        <TextField label="From (inclusive, UTC)" name="start" required value={form.start} onInput={set('start')} />
        <TextField label="To (exclusive, UTC)" name="end" placeholder="now" value={form.end} onInput={set('end')} />
      </div>
      <div class="row">
        <TextField label="Role ARN" name="roleArn" size={44} placeholder="arn:aws:iam::<account>:role/qldb-export" value={form.roleArn} onInput={set('roleArn')} />
        <Choice label="Output format" name="format" options={['ION_TEXT', 'ION_BINARY', 'JSON']} value={form.format} onChange={set('format')} />
        <Choice label="Encryption" name="encryption" options={['SSE_S3', 'SSE_KMS', 'NO_ENCRYPTION']} value={form.encryption} onChange={set('encryption')} />
        {form.encryption === 'SSE_KMS' && <TextField label="KMS key ARN" name="kmsKeyArn" required value={form.kmsKeyArn} onInput={set('kmsKeyArn')} />}
      </div>
    </FormCard>
  );
}
