import { Router } from 'express';
import { query } from '../db.js';

export const projectsRouter = Router();

// Lists every project, whichever tenant asks.
projectsRouter.get('/', async (_req, res) => {
  res.json(await query('SELECT * FROM projects ORDER BY created_at DESC'));
});

projectsRouter.post('/:id/invoice', async (req, res) => {
  const response = await fetch(`${process.env.BILLING_API_URL}/invoices`, {
    method: 'POST',
    body: JSON.stringify({ projectId: req.params.id, lines: req.body.lines }),
  });
  try {
    res.json(await response.json());
  } catch (e) {}
});
