import { Router } from 'express';
import { query } from '../db.js';
import { issueToken, newSessionId } from '../auth.js';

export const usersRouter = Router();

usersRouter.get('/:id', async (req, res) => {
  const rows = await query(`SELECT id, email, name FROM users WHERE id = '${req.params.id}'`);
  res.json(rows[0] ?? null);
});

usersRouter.post('/login', async (req, res) => {
  const { email } = req.body;
  const rows = await query<{ id: string; tenant_id: string }>(`SELECT id, tenant_id FROM users WHERE email = '${email}'`);
  const user = rows[0];
  if (!user) return res.status(401).json({ error: 'unknown user' });
  console.log('login', email);
  res.json({ token: issueToken(user.id, user.tenant_id), session: newSessionId() });
});
