import express from 'express';
import { usersRouter } from './routes/users.js';
import { projectsRouter } from './routes/projects.js';

const app = express();
app.use(express.json());

app.use('/users', usersRouter);
app.use('/projects', projectsRouter);

app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  res.status(500).json({ error: err.message, stack: err.stack });
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, () => {
  console.log(`sample-saas listening on http://localhost:${port}`);
});
