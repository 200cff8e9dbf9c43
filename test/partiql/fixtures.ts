/**
 * Shared test data: the DMV sample's tables (the shape of AWS's QLDB getting-started tutorial)
 * loaded into a MemoryLedger and committed, plus small helpers to run statements.
 */
import { dom, makeTextWriter } from 'ion-js';
import { executeStatement } from '../../src/partiql';
import type { IonValue } from '../../src/partiql/ledgerView';
import { MemoryLedger } from './memoryView';

export function ion(text: string): IonValue {
  return dom.load(text)!;
}

export function run(view: MemoryLedger, statement: string, ...params: (IonValue | string)[]): IonValue[] {
  const values = params.map((p) => (typeof p === 'string' ? new dom.String(p) : p));
  return executeStatement(view, statement, values).values;
}

/** Rows as Ion text, sorted, so that unordered results compare deterministically. */
export function texts(rows: IonValue[]): string[] {
  return rows.map(ionText).sort();
}

export function ionText(v: IonValue): string {
  // ion-js DOM toString() is lossy (decimals, timestamps); the text writer is not.
  const writer = makeTextWriter();
  v.writeTo(writer);
  writer.close();
  return new TextDecoder().decode(writer.getBytes());
}

export interface DmvIds {
  person: string[];
  vehicleRegistration: string[];
}

export function dmvLedger(): { view: MemoryLedger; ids: DmvIds } {
  const view = new MemoryLedger();
  for (const t of ['Person', 'DriversLicense', 'VehicleRegistration', 'Vehicle']) run(view, `CREATE TABLE ${t}`);
  run(view, 'CREATE INDEX ON Person (GovId)');
  run(view, 'CREATE INDEX ON VehicleRegistration (VIN)');
  run(view, 'CREATE INDEX ON DriversLicense (LicenseNumber)');
  run(view, 'CREATE INDEX ON Vehicle (VIN)');
  const person = run(
    view,
    'INSERT INTO Person << ?, ? >>',
    ion(`{FirstName: "Raul", LastName: "Lewis", DOB: 1963-08-19T, GovId: "LEWISR261LL", GovIdType: "Driver License", Address: "1719 University Street, Seattle, WA, 98109"}`),
    ion(`{FirstName: "Brent", LastName: "Logan", DOB: 1967-07-03T, GovId: "LOGANB486CG", GovIdType: "Passport", Address: "43 Stockert Hollow Road, Everett, WA, 98203"}`),
  ).map((r) => r.get('documentId')!.stringValue()!);
  run(
    view,
    'INSERT INTO DriversLicense ?',
    ion(`[{PersonId: "${person[0]}", LicenseNumber: "LEWISR261LL", LicenseType: "Learner", ValidFromDate: 2016-12-20T, ValidToDate: 2020-11-15T},
          {PersonId: "${person[1]}", LicenseNumber: "LOGANB486CG", LicenseType: "Probationary", ValidFromDate: 2016-04-06T, ValidToDate: 2020-11-15T}]`),
  );
  const vehicleRegistration = run(
    view,
    'INSERT INTO VehicleRegistration ?',
    ion(`[{VIN: "1N4AL11D75C109151", LicensePlateNumber: "LEWISR261LL", State: "WA", City: "Seattle", ValidFromDate: 2017-08-21T, ValidToDate: 2020-05-11T,
           PendingPenaltyTicketAmount: 90.25, Owners: {PrimaryOwner: {PersonId: "${person[0]}"}, SecondaryOwners: []}},
          {VIN: "KM8SRDHF6EU074761", LicensePlateNumber: "CA762X", State: "WA", City: "Kent", ValidFromDate: 2017-09-14T, ValidToDate: 2020-06-25T,
           PendingPenaltyTicketAmount: 130.75, Owners: {PrimaryOwner: {PersonId: "${person[1]}"}, SecondaryOwners: [{PersonId: "${person[0]}"}]}}]`),
  ).map((r) => r.get('documentId')!.stringValue()!);
  run(
    view,
    'INSERT INTO Vehicle ?',
    ion(`[{VIN: "1N4AL11D75C109151", Type: "Sedan", Year: 2011, Make: "Audi", Model: "A5", Color: "Silver"},
          {VIN: "KM8SRDHF6EU074761", Type: "Sedan", Year: 2015, Make: "Tesla", Model: "Model S", Color: "Blue"}]`),
  );
  view.commit();
  view.calls = { scan: 0, lookup: 0, get: 0 };
  view.readIOs = 0;
  return { view, ids: { person, vehicleRegistration } };
}
