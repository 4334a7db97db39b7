import { Type, type Static } from 'typebox';

export const Project = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
);
export type Project = Static<typeof Project>;

const name = Type.String({ minLength: 1, maxLength: 200 });

export const CreateProjectBody = Type.Object({ name }, { additionalProperties: false });
export const UpdateProjectBody = Type.Object({ name: Type.Optional(name) }, { additionalProperties: false, minProperties: 1 });
export const ProjectParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const ListProjectsQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'The `nextCursor` of the previous page.' })),
});
export const ProjectPage = Type.Object({
  items: Type.Array(Project),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
});
export type ProjectPage = Static<typeof ProjectPage>;
