/**
 * Every statement of the session spec §5.4 — what the official driver, its integration tests,
 * the QLDB shell and the DMV samples send — run against an in-memory ledger, with the results
 * those clients expect.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dom } from 'ion-js';
import { StatementError } from '../../src/partiql';
import { dmvLedger, ion, ionText, run, texts } from './fixtures';
import { MemoryLedger } from './memoryView';

describe('driver and integration-test statements', () => {
  const setup = () => {
    const view = new MemoryLedger();
    assert.equal(run(view, 'CREATE TABLE NodeTestTable').length, 1);
    return view;
  };

  it('lists active table names through the catalog', () => {
    const view = setup();
    run(view, 'CREATE TABLE NodeCreateTestTable');
    assert.deepEqual(texts(run(view, "SELECT name FROM information_schema.user_tables WHERE status = 'ACTIVE'")), [
      '{name:"NodeCreateTestTable"}',
      '{name:"NodeTestTable"}',
    ]);
    const dropped = run(view, 'DROP TABLE NodeCreateTestTable');
    assert.equal(dropped.length, 1);
    assert.deepEqual(
      run(view, "select VALUE name from information_schema.user_tables where status='ACTIVE'").map((v) => v.stringValue()),
      ['NodeTestTable'],
    );
  });

  it('creates an index and shows it as [Name] in the catalog', () => {
    const view = setup();
    const [row] = run(view, 'CREATE INDEX on NodeTestTable (Name)');
    assert.equal(row.get('tableId')!.stringValue(), view.activeTable('NodeTestTable')!.tableId);
    const [index] = run(
      view,
      "SELECT VALUE indexes[0] FROM information_schema.user_tables WHERE status = 'ACTIVE'AND name = 'NodeTestTable'",
    );
    assert.equal(index.get('expr')!.stringValue(), '[Name]');
  });

  it('inserts with parameters and reads back with =, IN and a quoted table name', () => {
    const view = setup();
    assert.equal(run(view, 'SELECT * FROM NodeTestTable').length, 0);
    assert.equal(run(view, 'INSERT INTO NodeTestTable ?', ion('{Name: "doc"}')).length, 1);
    assert.equal(run(view, 'INSERT INTO NodeTestTable <<?,?>>', ion('{Name: "a"}'), ion('{Name: "b"}')).length, 2);
    assert.deepEqual(run(view, 'SELECT VALUE Name FROM NodeTestTable WHERE Name = ?', 'doc').map(ionText), ['"doc"']);
    assert.deepEqual(run(view, 'SELECT VALUE Name FROM "NodeTestTable" WHERE Name = ?', 'doc').map(ionText), ['"doc"']);
    assert.deepEqual(texts(run(view, 'SELECT VALUE Name FROM NodeTestTable WHERE Name IN (?,?)', 'a', 'b')), ['"a"', '"b"']);
    assert.equal(run(view, 'SELECT * FROM NodeTestTable').length, 3);
  });

  it('finds typed nulls with IS NULL', () => {
    const view = setup();
    run(view, 'INSERT INTO NodeTestTable ?', ion('{Name: null.string}'));
    run(view, 'INSERT INTO NodeTestTable ?', ion('{Name: "x"}'));
    assert.deepEqual(run(view, 'SELECT VALUE Name FROM NodeTestTable WHERE Name IS NULL').map(ionText), ['null.string']);
  });

  it('deletes by value and all documents, counting with COUNT(*)', () => {
    const view = setup();
    run(view, 'INSERT INTO NodeTestTable <<?,?>>', ion('{Name: "a"}'), ion('{Name: "b"}'));
    assert.equal(run(view, 'DELETE FROM NodeTestTable WHERE Name = ?', 'a').length, 1);
    assert.deepEqual(run(view, 'SELECT COUNT(*) FROM NodeTestTable').map(ionText), ['{_1:1}']);
    assert.equal(run(view, 'DELETE FROM NodeTestTable').length, 1);
    const [count] = run(view, 'SELECT COUNT(*) FROM NodeTestTable');
    assert.equal(count.get('_1')!.numberValue(), 0);
  });

  it('counts 1092 read IOs for a 6-way self join over 3 documents', () => {
    const view = setup();
    assert.equal(run(view, "INSERT INTO NodeTestTable << {'col': 1}, {'col': 2}, {'col': 3} >>").length, 3);
    view.readIOs = 0;
    const rows = run(
      view,
      'SELECT * FROM NodeTestTable as a, NodeTestTable as b, NodeTestTable as c, NodeTestTable as d, NodeTestTable as e, NodeTestTable as f',
    );
    assert.equal(rows.length, 729);
    assert.equal(view.readIOs, 1092);
  });

  it('updates every document with SET Name = ?', () => {
    const view = setup();
    run(view, 'INSERT INTO NodeTestTable ?', ion('{Name: 0}'));
    assert.equal(run(view, 'UPDATE NodeTestTable SET Name = ?', ion('5')).length, 1);
    assert.deepEqual(run(view, 'SELECT VALUE Name from NodeTestTable').map(ionText), ['5']);
  });

  it('fails DELETE FROM NonExistentTable with a StatementError naming the table', () => {
    const view = setup();
    assert.throws(() => run(view, 'DELETE FROM NonExistentTable'), (e: unknown) => {
      assert.ok(e instanceof StatementError);
      assert.match(e.message, /No such variable named 'NonExistentTable'/);
      return true;
    });
  });

  it('rejects CREATE TABLE for an existing active name', () => {
    const view = setup();
    assert.throws(() => run(view, 'CREATE TABLE NodeTestTable'), StatementError);
  });
});

describe('DMV sample statements', () => {
  it('selects people by GovId, with and without BY', () => {
    const { view, ids } = dmvLedger();
    const [person] = run(view, 'SELECT * FROM Person AS p WHERE p.GovId = ?', 'LEWISR261LL');
    assert.equal(person.get('FirstName')!.stringValue(), 'Raul');
    const [byPid] = run(view, 'SELECT p.* FROM Person AS p BY pid WHERE pid = ?', ids.person[1]);
    assert.equal(byPid.get('GovId')!.stringValue(), 'LOGANB486CG');
    assert.deepEqual(run(view, 'SELECT id FROM Person AS t BY id WHERE t.GovId = ?', 'LOGANB486CG').map(ionText), [
      `{id:"${ids.person[1]}"}`,
    ]);
  });

  it('projects and joins on the BY id, as the developer guide shows', () => {
    const { view, ids } = dmvLedger();
    const [registration] = run(
      view,
      'SELECT r_id, r.VIN, r.City FROM VehicleRegistration AS r BY r_id WHERE r_id = ?',
      ids.vehicleRegistration[0],
    );
    assert.equal(ionText(registration), `{r_id:"${ids.vehicleRegistration[0]}",VIN:"1N4AL11D75C109151",City:"Seattle"}`);
    view.calls = { scan: 0, lookup: 0, get: 0 };
    const joined = run(
      view,
      `SELECT * FROM DriversLicense AS d INNER JOIN Person AS p BY pid ON d.PersonId = pid WHERE pid = '${ids.person[1]}'`,
    );
    assert.equal(joined.length, 1);
    assert.equal(joined[0].get('LicenseNumber')!.stringValue(), 'LOGANB486CG');
    assert.equal(joined[0].get('FirstName')!.stringValue(), 'Brent');
    assert.deepEqual(view.calls, { scan: 1, lookup: 0, get: 2 }, 'the person side is read by document id');
  });

  it('reads the committed view with BY, metadata paths and data paths', () => {
    const { view, ids } = dmvLedger();
    const [committed] = run(view, 'SELECT c.* FROM _ql_committed_Person AS c BY docId WHERE docId = ?', ids.person[0]);
    assert.deepEqual(committed.fieldNames(), ['blockAddress', 'hash', 'data', 'metadata']);
    assert.equal(committed.get('metadata', 'id')!.stringValue(), ids.person[0]);
    assert.deepEqual(
      run(view, 'SELECT metadata.id FROM _ql_committed_Person AS p WHERE p.data.GovId = ?', 'LEWISR261LL').map(ionText),
      [`{id:"${ids.person[0]}"}`],
    );
    const all = run(view, 'SELECT * FROM _ql_committed_VehicleRegistration WHERE data.VIN = ?', '1N4AL11D75C109151');
    assert.equal(all.length, 1);
    assert.equal(all[0].get('data', 'City')!.stringValue(), 'Seattle');
    const [address] = run(
      view,
      'SELECT blockAddress, metadata.id FROM _ql_committed_VehicleRegistration WHERE data.VIN = ?',
      '1N4AL11D75C109151',
    );
    assert.deepEqual(address.fieldNames(), ['blockAddress', 'id']);
    assert.equal(address.get('blockAddress', 'sequenceNo')!.numberValue(), 1);
    assert.equal(address.get('id')!.stringValue(), ids.vehicleRegistration[0]);
  });

  it('resolves an unqualified path against the only source', () => {
    const { view, ids } = dmvLedger();
    assert.deepEqual(
      run(view, 'SELECT Owners.PrimaryOwner.PersonId FROM VehicleRegistration AS v WHERE v.VIN = ?', '1N4AL11D75C109151').map(ionText),
      [`{PersonId:"${ids.person[0]}"}`],
    );
  });

  it('joins with INNER JOIN … ON, projecting whole rows by implicit and explicit alias', () => {
    const { view, ids } = dmvLedger();
    const [implicit] = run(
      view,
      'SELECT Vehicle FROM Vehicle INNER JOIN VehicleRegistration AS r ON Vehicle.VIN = r.VIN WHERE r.Owners.PrimaryOwner.PersonId = ?',
      ids.person[1],
    );
    assert.equal(implicit.get('Vehicle', 'Make')!.stringValue(), 'Tesla');
    const [explicit] = run(
      view,
      'SELECT v FROM Vehicle AS v INNER JOIN VehicleRegistration AS r ON v.VIN = r.VIN WHERE r.Owners.PrimaryOwner.PersonId = ?',
      ids.person[0],
    );
    assert.equal(explicit.get('v', 'Make')!.stringValue(), 'Audi');
  });

  it('queries history with bounds (space before the parenthesis) and by version', () => {
    const { view, ids } = dmvLedger();
    view.now = new Date('2024-02-01T00:00:00.000Z');
    run(view, 'UPDATE VehicleRegistration AS r SET r.Owners.PrimaryOwner.PersonId = ? WHERE r.VIN = ?', ids.person[1], '1N4AL11D75C109151');
    view.commit();
    view.now = new Date('2024-05-01T00:00:00.000Z');
    run(view, 'UPDATE VehicleRegistration AS r SET r.Owners.PrimaryOwner.PersonId = ? WHERE r.VIN = ?', ids.person[0], '1N4AL11D75C109151');
    view.commit();
    const rows = run(
      view,
      'SELECT data.Owners.PrimaryOwner, metadata.version FROM history (VehicleRegistration, `2024-01-01T00:00:00.000Z`, `2024-04-01T00:00:00.000Z`) AS h WHERE h.metadata.id = ?',
      ids.vehicleRegistration[0],
    );
    assert.deepEqual(texts(rows), [
      `{PrimaryOwner:{PersonId:"${ids.person[0]}"},version:0}`,
      `{PrimaryOwner:{PersonId:"${ids.person[1]}"},version:1}`,
    ].sort());
    const [v2] = run(
      view,
      `SELECT * FROM history(VehicleRegistration) AS h WHERE h.metadata.id = '${ids.vehicleRegistration[0]}' AND h.metadata.version = 2`,
    );
    assert.equal(v2.get('data', 'Owners', 'PrimaryOwner', 'PersonId')!.stringValue(), ids.person[0]);
  });

  it('updates several fields by license number and deletes by alias', () => {
    const { view } = dmvLedger();
    const updated = run(
      view,
      'UPDATE DriversLicense AS d SET d.ValidFromDate = ?, d.ValidToDate = ? WHERE d.LicenseNumber = ?',
      ion('2019-10-01T'), ion('2023-10-01T'), 'LEWISR261LL',
    );
    // one row per assignment, as AWS's own tutorial test asserts against QLDB
    assert.equal(updated.length, 2);
    assert.equal(ionText(updated[0]), ionText(updated[1]));
    assert.deepEqual(
      run(view, 'SELECT d.ValidFromDate, d.ValidToDate FROM DriversLicense AS d WHERE d.LicenseNumber = ?', 'LEWISR261LL').map(ionText),
      ['{ValidFromDate:2019-10-01T,ValidToDate:2023-10-01T}'],
    );
    assert.equal(run(view, 'DELETE FROM DriversLicense AS d WHERE d.LicenseNumber = ?', 'LEWISR261LL').length, 1);
    assert.equal(run(view, 'SELECT * FROM DriversLicense').length, 1);
  });

  it('appends a secondary owner with FROM … INSERT INTO', () => {
    const { view, ids } = dmvLedger();
    const rows = run(
      view,
      'FROM VehicleRegistration AS v WHERE v.VIN = ? INSERT INTO v.Owners.SecondaryOwners VALUE ?',
      '1N4AL11D75C109151', ion(`{PersonId: "${ids.person[1]}"}`),
    );
    assert.deepEqual(rows.map(ionText), [`{documentId:"${ids.vehicleRegistration[0]}"}`]);
    assert.deepEqual(
      run(view, 'SELECT VALUE v.Owners.SecondaryOwners FROM VehicleRegistration AS v WHERE v.VIN = ?', '1N4AL11D75C109151').map(ionText),
      [`[{PersonId:"${ids.person[1]}"}]`],
    );
  });

  it('looks up a table id by name', () => {
    const { view } = dmvLedger();
    assert.deepEqual(
      run(view, 'SELECT VALUE tableId FROM information_schema.user_tables WHERE name = ?', 'Vehicle').map((v) => v.stringValue()),
      [view.activeTable('Vehicle')!.tableId],
    );
  });

  it('redacts a revision with EXEC REDACT_REVISION in either case, address as parameter or literal', () => {
    const { view, ids } = dmvLedger();
    const tableId = view.activeTable('Person')!.tableId;
    run(view, "UPDATE Person SET Address = 'new' WHERE GovId = 'LEWISR261LL'");
    run(view, "UPDATE Person SET Address = 'new' WHERE GovId = 'LOGANB486CG'");
    view.commit();
    const [request] = run(view, `EXEC redact_revision ?, '${tableId}', '${ids.person[0]}'`, ion('{strandId: "KmA3ZZca7vAIiJAK9S5Iwl", sequenceNo: 1}'));
    assert.deepEqual(request.fieldNames(), ['blockAddress', 'tableId', 'documentId', 'version']);
    assert.equal(request.get('version')!.numberValue(), 0);
    run(view, `exec redact_revision \`{strandId:"KmA3ZZca7vAIiJAK9S5Iwl",sequenceNo:1}\`, '${tableId}', '${ids.person[1]}'`);
    assert.equal(view.redactions.length, 2);
    const history = run(view, `SELECT * FROM history(Person) AS h WHERE h.metadata.version = 0`);
    assert.equal(history.length, 2);
    for (const revision of history) {
      assert.equal(revision.get('data'), null);
      assert.ok(revision.get('dataHash') instanceof dom.Blob);
    }
  });
});
