// @ts-check
/**
 * The application's first schema (node-pg-migrate). Every table holds what a real product
 * holds: people (email, names, phone, the Cognito sub they sign in with), what they own
 * (projects, notes, attachments in the uploads bucket) and their sessions. The scrub manifest
 * of every refresh target (environments/<env>/scrub.ts) must classify each column here; a
 * migration that adds a column without classifying it fails the tests and stops a refresh.
 */
"use strict";

/** @param {import("node-pg-migrate").MigrationBuilder} pgm */
exports.up = (pgm) => {
  pgm.createExtension("pgcrypto", { ifNotExists: true });

  pgm.createTable("app_users", {
    id: { type: "uuid", primaryKey: true, default: pgm.func("gen_random_uuid()") },
    cognito_sub: { type: "text", unique: true },
    email: { type: "text", notNull: true, unique: true },
    full_name: { type: "text", notNull: true },
    display_name: { type: "text" },
    phone: { type: "text" },
    home_address: { type: "text" },
    stripe_customer_id: { type: "text" },
    created_at: { type: "timestamptz", notNull: true, default: pgm.func("now()") },
    updated_at: { type: "timestamptz", notNull: true, default: pgm.func("now()") },
  });

  pgm.createTable("projects", {
    id: { type: "uuid", primaryKey: true, default: pgm.func("gen_random_uuid()") },
    owner_id: { type: "uuid", notNull: true, references: "app_users", onDelete: "CASCADE" },
    name: { type: "text", notNull: true },
    description: { type: "text" },
    created_at: { type: "timestamptz", notNull: true, default: pgm.func("now()") },
  });
  pgm.createIndex("projects", "owner_id");

  pgm.createTable("notes", {
    id: { type: "uuid", primaryKey: true, default: pgm.func("gen_random_uuid()") },
    project_id: { type: "uuid", notNull: true, references: "projects", onDelete: "CASCADE" },
    author_id: { type: "uuid", notNull: true, references: "app_users", onDelete: "CASCADE" },
    body: { type: "text", notNull: true },
    created_at: { type: "timestamptz", notNull: true, default: pgm.func("now()") },
  });
  pgm.createIndex("notes", "project_id");

  pgm.createTable("attachments", {
    id: { type: "uuid", primaryKey: true, default: pgm.func("gen_random_uuid()") },
    note_id: { type: "uuid", notNull: true, references: "notes", onDelete: "CASCADE" },
    /** Key in the environment's uploads bucket. */
    object_key: { type: "text", notNull: true },
    content_type: { type: "text", notNull: true },
    size_bytes: { type: "bigint", notNull: true },
    created_at: { type: "timestamptz", notNull: true, default: pgm.func("now()") },
  });

  pgm.createTable("sessions", {
    id: { type: "uuid", primaryKey: true, default: pgm.func("gen_random_uuid()") },
    user_id: { type: "uuid", notNull: true, references: "app_users", onDelete: "CASCADE" },
    token_hash: { type: "text", notNull: true },
    user_agent: { type: "text" },
    ip_address: { type: "inet" },
    created_at: { type: "timestamptz", notNull: true, default: pgm.func("now()") },
    expires_at: { type: "timestamptz", notNull: true },
  });
  pgm.createIndex("sessions", "user_id");
};

/** @param {import("node-pg-migrate").MigrationBuilder} pgm */
exports.down = (pgm) => {
  pgm.dropTable("sessions");
  pgm.dropTable("attachments");
  pgm.dropTable("notes");
  pgm.dropTable("projects");
  pgm.dropTable("app_users");
};
