import { defineConfig } from 'drizzle-kit';

// `db:generate` and `db:check` only compare the schema with the migrations; they need no database.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
