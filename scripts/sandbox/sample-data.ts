/**
 * Sample production data for the sandbox: fake but realistic people (names, example.com
 * addresses, phone numbers in the 555-0100…0199 range reserved for fiction, made-up street
 * addresses, fake Stripe ids), what they own (projects, notes, attachments whose objects are
 * uploaded to the uploads bucket) and their sessions. Deterministic (a seeded generator): every
 * sandbox holds the same people. No real person, address or credential is in here.
 */
import { createHash } from "node:crypto";

const FIRST = ["Amara", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Grace", "Hiroshi", "Ines", "Jonas", "Keiko", "Liam", "Mei", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Samir", "Tomas", "Uma", "Viktor", "Wanda", "Yusuf", "Zofia"];
const LAST = ["Abara", "Bergström", "Castellano", "Dubois", "Eriksen", "Fontaine", "García", "Haddad", "Ivanova", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Tanaka", "Urban", "Varga", "Weber", "Yilmaz", "Zhang"];
const STREETS = ["Maple Avenue", "Harbor Road", "Orchard Lane", "Mill Street", "Juniper Court", "Lakeview Drive", "Station Road", "Chestnut Way"];
const CITIES = [["Springfield", "IL", "627"], ["Riverton", "WY", "825"], ["Fairview", "OR", "970"], ["Lakewood", "CO", "802"], ["Greenville", "SC", "296"]];
const AREA_CODES = ["202", "312", "415", "503", "617", "720"];
const PROJECTS = ["Kitchen renovation", "Garden redesign", "Wedding planning", "Home office", "Roof repair", "Bathroom refit", "Move to a new flat", "Holiday rental listing", "Garage conversion", "Solar panels"];
const NOTES = ["Three quotes received; the second is the most detailed.", "Measurements taken, see the attached plan.", "Waiting for the permit before ordering materials.", "Deposit paid, work starts on Monday.", "Colour samples chosen for the living room.", "Contractor will send a revised estimate.", "Delivery moved to next week.", "Final inspection passed."];
const AGENTS = ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"];

/** mulberry32: a small deterministic generator. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic UUID (v4 layout) from a name. */
function uuidFrom(name: string): string {
  const hex = createHash("sha256").update(name).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const plain = (text: string) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z]/g, "");

export interface SamplePerson {
  id: string;
  email: string;
  fullName: string;
  displayName: string;
  phone: string;
  homeAddress: string;
  stripeCustomerId: string;
  cognitoSub: string | null;
}

export interface SampleData {
  people: SamplePerson[];
  projects: Array<{ id: string; ownerId: string; name: string; description: string }>;
  notes: Array<{ id: string; projectId: string; authorId: string; body: string }>;
  attachments: Array<{ id: string; noteId: string; objectKey: string; contentType: string; body: string }>;
  sessions: Array<{ userId: string; tokenHash: string; userAgent: string; ipAddress: string }>;
}

/**
 * `count` sample people plus the named accounts (each with the Cognito sub it signs in with,
 * when it has one in the environment's pool).
 */
export function sampleData(count: number, accounts: Array<{ email: string; sub: string | null; name: string }>): SampleData {
  const random = generator(20251130);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const people: SamplePerson[] = [];
  const used = new Set<string>();
  const person = (email: string, fullName: string, sub: string | null): SamplePerson => {
    const [city, state, zip] = pick(CITIES);
    const first = fullName.split(" ")[0];
    return {
      id: uuidFrom(`person:${email}`),
      email,
      fullName,
      displayName: first,
      phone: `+1-${pick(AREA_CODES)}-555-01${String(Math.floor(random() * 100)).padStart(2, "0")}`,
      homeAddress: `${1 + Math.floor(random() * 980)} ${pick(STREETS)}, ${city}, ${state} ${zip}${String(Math.floor(random() * 100)).padStart(2, "0")}`,
      stripeCustomerId: `cus_sandbox${createHash("sha256").update(email).digest("hex").slice(0, 10)}`,
      cognitoSub: sub,
    };
  };
  for (const account of accounts) {
    used.add(account.email);
    people.push(person(account.email, account.name, account.sub));
  }
  while (people.length < count + accounts.length) {
    const first = pick(FIRST);
    const last = pick(LAST);
    let email = `${plain(first)}.${plain(last)}@example.com`;
    for (let n = 2; used.has(email); n++) email = `${plain(first)}.${plain(last)}${n}@example.com`;
    used.add(email);
    // People who signed up: a Cognito sub of their own (in production's pool, not seeded in the sandbox).
    people.push(person(email, `${first} ${last}`, uuidFrom(`sub:${email}`)));
  }
  const projects: SampleData["projects"] = [];
  const notes: SampleData["notes"] = [];
  const attachments: SampleData["attachments"] = [];
  const sessions: SampleData["sessions"] = [];
  for (const owner of people) {
    const projectCount = 1 + Math.floor(random() * 3);
    for (let p = 0; p < projectCount; p++) {
      const project = { id: uuidFrom(`project:${owner.id}:${p}`), ownerId: owner.id, name: pick(PROJECTS), description: `Started ${2024 + Math.floor(random() * 2)}` };
      projects.push(project);
      const noteCount = Math.floor(random() * 4);
      for (let n = 0; n < noteCount; n++) {
        const note = { id: uuidFrom(`note:${project.id}:${n}`), projectId: project.id, authorId: owner.id, body: pick(NOTES) };
        notes.push(note);
        if (random() < 0.4) {
          const id = uuidFrom(`attachment:${note.id}`);
          attachments.push({ id, noteId: note.id, objectKey: `attachments/${note.id}/plan-${n + 1}.txt`, contentType: "text/plain", body: `Sample attachment ${id.slice(0, 8)}: floor plan notes\n` });
        }
      }
    }
    sessions.push({
      userId: owner.id,
      tokenHash: createHash("sha256").update(`session:${owner.id}`).digest("hex"),
      userAgent: pick(AGENTS),
      // Documentation ranges (RFC 5737): no real client.
      ipAddress: `${pick(["192.0.2", "198.51.100", "203.0.113"])}.${1 + Math.floor(random() * 254)}`,
    });
  }
  return { people, projects, notes, attachments, sessions };
}

/** Inserts the sample data in one transaction (as the database's owner, the master user). */
export async function insertSampleData(client: { query(text: string, values?: unknown[]): Promise<unknown> }, data: SampleData): Promise<void> {
  await client.query("BEGIN");
  try {
    for (const p of data.people) {
      await client.query(
        "INSERT INTO app_users (id, cognito_sub, email, full_name, display_name, phone, home_address, stripe_customer_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
        [p.id, p.cognitoSub, p.email, p.fullName, p.displayName, p.phone, p.homeAddress, p.stripeCustomerId],
      );
    }
    for (const p of data.projects) await client.query("INSERT INTO projects (id, owner_id, name, description) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING", [p.id, p.ownerId, p.name, p.description]);
    for (const n of data.notes) await client.query("INSERT INTO notes (id, project_id, author_id, body) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING", [n.id, n.projectId, n.authorId, n.body]);
    for (const a of data.attachments) {
      await client.query("INSERT INTO attachments (id, note_id, object_key, content_type, size_bytes) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING", [a.id, a.noteId, a.objectKey, a.contentType, Buffer.byteLength(a.body)]);
    }
    await client.query("DELETE FROM sessions");
    for (const s of data.sessions) {
      await client.query("INSERT INTO sessions (user_id, token_hash, user_agent, ip_address, expires_at) VALUES ($1, $2, $3, $4, now() + interval '7 days')", [s.userId, s.tokenHash, s.userAgent, s.ipAddress]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}
