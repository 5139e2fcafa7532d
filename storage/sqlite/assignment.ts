/**
 * The atomic "pick an agent and claim the item" step. Picking, the capacity check, writing the
 * assignment, bumping the agent's load and taking the item off its queue all happen in one
 * `BEGIN IMMEDIATE` transaction, so concurrent assigns and claims (from any connection or
 * process) give an item to exactly one agent and never push an agent past capacity.
 */
import type { AgentSlot, Assignment, AssignmentStore } from '../port';
import type { SqliteConnection } from './connection';
import { fromText, toText } from './json';

interface AgentRow {
  agent_id: string;
  status: AgentSlot['status'];
  skills: string;
  capacity: number;
  load: number;
  last_assigned_at: number;
}

interface AssignmentRow {
  itemId: string;
  agentId: string;
  assignedAt: number;
}

const AGENT_COLUMNS = 'agent_id, status, skills, capacity, load, last_assigned_at';
const ASSIGNMENT_COLUMNS = 'item_id AS itemId, agent_id AS agentId, assigned_at AS assignedAt';

function toSlot(row: AgentRow): AgentSlot {
  return {
    agentId: row.agent_id,
    status: row.status,
    skills: fromText<string[]>(row.skills),
    capacity: row.capacity,
    load: row.load,
    lastAssignedAt: row.last_assigned_at,
  };
}

export function sqliteAssignment(conn: SqliteConnection): AssignmentStore {
  const agent = (agentId: string): AgentRow | undefined =>
    conn.stmt(`SELECT ${AGENT_COLUMNS} FROM agents WHERE agent_id = ?`).get(agentId) as AgentRow | undefined;

  const assignment = (itemId: string): AssignmentRow | undefined =>
    conn.stmt(`SELECT ${ASSIGNMENT_COLUMNS} FROM assignments WHERE item_id = ?`).get(itemId) as
      | AssignmentRow
      | undefined;

  /** Writes the assignment; the caller has checked that the item is free and the agent has room. */
  const give = (itemId: string, agentId: string, now: number, queue: string | undefined): Assignment => {
    conn.stmt('INSERT INTO assignments (item_id, agent_id, assigned_at) VALUES (?, ?, ?)').run(itemId, agentId, now);
    conn.stmt('UPDATE agents SET load = load + 1, last_assigned_at = ? WHERE agent_id = ?').run(now, agentId);
    if (queue !== undefined) conn.stmt('DELETE FROM queue_items WHERE queue = ? AND item_id = ?').run(queue, itemId);
    return { itemId, agentId, assignedAt: now };
  };

  return {
    async upsertAgent(slot) {
      return conn.write(() => {
        const existing = agent(slot.agentId);
        const lastAssignedAt = slot.resetIdleAt ?? existing?.last_assigned_at ?? 0;
        conn
          .stmt(
            `INSERT INTO agents (agent_id, status, skills, capacity, load, last_assigned_at) VALUES (?, ?, ?, ?, 0, ?)
             ON CONFLICT (agent_id) DO UPDATE SET status = excluded.status, skills = excluded.skills,
               capacity = excluded.capacity, last_assigned_at = excluded.last_assigned_at`,
          )
          .run(slot.agentId, slot.status, toText(slot.skills), slot.capacity, lastAssignedAt);
        return toSlot(agent(slot.agentId)!);
      });
    },

    async getAgent(agentId) {
      return conn.read(() => {
        const row = agent(agentId);
        return row ? toSlot(row) : undefined;
      });
    },

    async listAgents() {
      return conn.read(() =>
        (conn.stmt(`SELECT ${AGENT_COLUMNS} FROM agents ORDER BY agent_id`).all() as AgentRow[]).map(toSlot),
      );
    },

    async assign({ itemId, requiredSkills, now, queue, excludeAgentIds = [] }) {
      return conn.write(() => {
        if (assignment(itemId)) return undefined;
        const candidates = conn
          .stmt(
            `SELECT ${AGENT_COLUMNS} FROM agents WHERE status = 'online' AND load < capacity
             ORDER BY last_assigned_at, agent_id`,
          )
          .all() as AgentRow[];
        const excluded = new Set(excludeAgentIds);
        const chosen = candidates.find((row) => {
          if (excluded.has(row.agent_id)) return false;
          const skills = new Set(fromText<string[]>(row.skills));
          return requiredSkills.every((skill) => skills.has(skill));
        });
        return chosen ? give(itemId, chosen.agent_id, now, queue) : undefined;
      });
    },

    async claim({ itemId, agentId, now, queue }) {
      return conn.write(() => {
        if (assignment(itemId)) return undefined;
        const row = agent(agentId);
        if (!row || row.load >= row.capacity) return undefined;
        return give(itemId, agentId, now, queue);
      });
    },

    async release(itemId) {
      return conn.write(() => {
        const row = assignment(itemId);
        if (!row) return undefined;
        conn.stmt('DELETE FROM assignments WHERE item_id = ?').run(itemId);
        conn.stmt('UPDATE agents SET load = MAX(load - 1, 0) WHERE agent_id = ?').run(row.agentId);
        return { ...row };
      });
    },

    async getAssignment(itemId) {
      return conn.read(() => {
        const row = assignment(itemId);
        return row ? { ...row } : undefined;
      });
    },

    async assignmentsOf(agentId) {
      return conn.read(() =>
        (
          conn
            .stmt(`SELECT ${ASSIGNMENT_COLUMNS} FROM assignments WHERE agent_id = ? ORDER BY assigned_at, item_id`)
            .all(agentId) as AssignmentRow[]
        ).map((row) => ({ ...row })),
      );
    },
  };
}
