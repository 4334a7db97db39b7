import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { isServerFile, serverCandidate, type OwningPackage } from '../../_server/server-code.js';
import { moduleOf, moduleUseOf, objectArgument, propsOf, type ModuleUse } from '../../security/_code/code.js';

/** Object storage clients: an upload that is written to disk and then sent to one of them is only staged locally. */
const objectStorage =
  /@aws-sdk\/client-s3|@aws-sdk\/lib-storage|PutObjectCommand|\baws-sdk\b|@google-cloud\/storage|@azure\/storage-blob|\bminio\b|cloudinary|uploadthing|@vercel\/blob|@supabase\/storage|\.storage\.from\(|\bs3\.(?:upload|putObject)\b|multer-s3|@uploadthing|firebase-admin\/storage|\bbucket\.(?:upload|file)\b/;
/** The staged file is removed afterwards. */
const cleanup = /\b(?:unlink|unlinkSync|rm|rmSync|rimraf|remove)\s*\(|\.cleanup\s*\(|tmp-promise|\btmp\.file\b/;
/** Request-supplied file data: multer's `req.file(s)`, express-fileupload's `req.files`, busboy and @fastify/multipart parts. */
const uploadSource = /^(?:req|request|ctx|c)\.(?:files?|raw\.files?)$|^(?:part|data|upload|uploaded|uploadedFile|attachment|fileData)\.(?:file|buffer)$|^(?:req|request)\.files?\.\w+$|^files?\.(?:buffer|data|file|stream)$/;

interface Hit {
  start: number;
  end: number;
  messageId: 'multerDisk' | 'formidableDir' | 'fileMove' | 'fsWrite';
  detail: string;
}

interface FileSignal {
  server: boolean;
  /** The file also sends data to object storage and removes what it wrote: local files are staging only. */
  staged: boolean;
  hits: Hit[];
}

function calleeName(call: ts.CallExpression): string {
  const e = call.expression;
  return ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : '';
}

function isFs(call: ts.CallExpression, imports: ModuleUse): boolean {
  const target = moduleOf(call.expression, imports);
  if (target) return /^(?:node:)?fs(?:\/promises)?$|^fs-extra$/.test(target.module);
  const e = call.expression;
  return ts.isPropertyAccessExpression(e) && /^(?:fs|fsp|fsPromises|fse)$/.test(e.expression.getText().replace(/\.promises$/, ''));
}

/** An expression that carries uploaded file content: `req.file.buffer`, `part.file`, `Buffer.from(await file.arrayBuffer())`... */
function uploadData(node: ts.Node, uploadNames: readonly string[]): boolean {
  let hit = false;
  const visit = (n: ts.Node): void => {
    if (hit) return;
    if (ts.isPropertyAccessExpression(n) && uploadSource.test(n.getText().replace(/\s+/g, '').replace(/\((\w+)as\w+\)|\((\w+)\)|!/g, '$1$2'))) hit = true;
    else if (ts.isIdentifier(n) && uploadNames.includes(n.text)) hit = true;
    else ts.forEachChild(n, visit);
  };
  visit(node);
  return hit;
}

export default defineRule({
  meta: {
    id: 'upload-local-disk',
    category: 'scalability',
    checklist: 'SCL-2',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      multerDisk:
        'Uploads are stored on the server\'s local disk ({{detail}}), so a file saved by one instance is missing on the others, lost when the container is replaced, and fills the disk. Keep uploads in memory or stream them (multer.memoryStorage(), multer-s3) and store them in S3-compatible object storage.',
      formidableDir:
        'Uploaded files are written to the local directory given by `uploadDir`, so they exist on one instance only and disappear when the container is replaced. Stream uploads to S3-compatible object storage (or remove the staged file once it is uploaded).',
      fileMove:
        'The uploaded file is moved onto the server\'s local disk ({{detail}}), so it exists on one instance only, disappears with the container and fills its disk. Upload it to S3-compatible object storage instead and store the object key.',
      fsWrite:
        'Uploaded file data is written to the local filesystem ({{detail}}), so the file exists on one instance only, is lost on redeploy and fills the disk. Send it to S3-compatible object storage (S3, R2, GCS, MinIO) and keep only the object key.',
    },
    docs: {
      summary: 'Uploaded files written to the server\'s local disk: multer `dest`/`diskStorage`, formidable `uploadDir`, express-fileupload `mv()`, and upload streams or buffers written with `fs`.',
      why: 'Containers and instances are disposable and there is usually more than one. A file written to local disk is only visible to the instance that received it, vanishes on the next deploy or reschedule, is not backed up, and can fill the disk until the server fails.',
      howToFix:
        'Store uploads in S3-compatible object storage through one storage module: stream them (multer-s3, `@aws-sdk/lib-storage` Upload, presigned URLs that let the browser upload directly), keep only the object key in the database, and serve them through signed URLs or a CDN. When a file must be staged on disk (virus scan, transcoding), delete it once it is in object storage.',
      examples: {
        invalid: [
          {
            file: 'src/routes/avatars.ts',
            code: "import { Router } from 'express';\nimport multer from 'multer';\n\nconst upload = multer({ dest: 'uploads/' });\nexport const avatars = Router();\n\navatars.post('/avatars', upload.single('avatar'), (req, res) => {\n  res.status(201).json({ path: req.file?.path });\n});\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2", "multer": "^1.4.5-lts.1" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/routes/avatars.ts',
            code: "import { Router } from 'express';\nimport multer from 'multer';\nimport { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';\n\nconst s3 = new S3Client({});\nconst upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 5_000_000 } });\nexport const avatars = Router();\n\navatars.post('/avatars', upload.single('avatar'), async (req, res) => {\n  const key = `avatars/${crypto.randomUUID()}`;\n  await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET, Key: key, Body: req.file!.buffer }));\n  res.status(201).json({ key });\n});\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2", "multer": "^1.4.5-lts.1", "@aws-sdk/client-s3": "^3.600.0" } }\n' },
          },
        ],
      },
      peers: ['No ESLint, Semgrep registry or Checkov equivalent'],
      limitations: [
        'Only server code is read (files of backend packages and files that import a server framework); tests, scripts and CLIs are skipped.',
        'A file that both writes uploads to disk and sends data to object storage and deletes files is taken to stage uploads temporarily and is not reported.',
        'Upload data passed through helper functions in other files is not followed; `fs` writes are reported only when the written value visibly comes from the upload (`req.file`, `req.files`, a multipart `part.file`, or a variable assigned from them).',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['multer', 'diskStorage', 'uploadDir', 'formidable', '.mv(', 'busboy', 'Busboy', 'multipart', 'req.file', 'request.file', '.file', 'files'] },
  check(ctx) {
    const { path, text } = ctx.file;
    const candidate = serverCandidate(path, text, () => ctx.ast());
    if (!candidate) return;
    const { source, evidence: server } = candidate;
    const imports = moduleUseOf(source);
    const hits: Hit[] = [];
    const hit = (node: ts.Node, messageId: Hit['messageId'], detail: string): void => {
      hits.push({ start: node.getStart(source), end: node.getEnd(), messageId, detail });
    };
    // Locals that hold upload data: `const file = req.file`, `const { file } = await request.file()`, `for await (const part of parts)`.
    const uploadNames: string[] = [];
    const multipart = /busboy|@fastify\/multipart|fastify-multipart|formidable|multiparty|\.parts\(|\.file\(\)|\.files\(\)|\.saveRequestFiles\(/i.test(text);
    const onDeclaration = (node: ts.Node): void => {
      const d = node as ts.VariableDeclaration;
      if (!d.initializer || !uploadData(d.initializer, uploadNames)) {
        // `const data = await request.file()` (@fastify/multipart), `for await (const part of request.parts())`.
        const init = d.initializer?.getText() ?? '';
        if (!/\.(?:file|files|parts|saveRequestFiles)\(\s*\)|formData\.get\(|\.formData\(\)\)?\.get\(/.test(init) && !(d.parent.parent && ts.isForOfStatement(d.parent.parent) && /\.(?:parts|files)\(\s*\)/.test(d.parent.parent.expression.getText()))) return;
      }
      if (ts.isIdentifier(d.name)) uploadNames.push(d.name.text);
      else if (ts.isObjectBindingPattern(d.name)) for (const el of d.name.elements) if (ts.isIdentifier(el.name)) uploadNames.push(el.name.text);
    };
    const onCall = (node: ts.Node): void => {
      const call = node as ts.CallExpression;
      const name = calleeName(call);
      const target = moduleOf(call.expression, imports);
      if (target?.module === 'multer' || (ts.isPropertyAccessExpression(call.expression) && /^multer$/i.test(call.expression.expression.getText()))) {
        if (name === 'diskStorage') return hit(call, 'multerDisk', '`multer.diskStorage()`');
        if (target?.name === 'default' || name === 'multer') {
          const options = objectArgument(call.arguments[0]);
          const dest = options && propsOf(options).get('dest');
          if (dest) hit(dest.parent, 'multerDisk', `multer \`dest: ${dest.getText(source).slice(0, 40)}\``);
        }
        return;
      }
      if (target && /^(?:formidable|multiparty)$/.test(target.module)) {
        const options = objectArgument(call.arguments[0]);
        const dir = options && propsOf(options).get('uploadDir');
        if (dir) hit(dir.parent, 'formidableDir', '');
        return;
      }
      // express-fileupload: `req.files.avatar.mv(path)` or a local holding it.
      if (name === 'mv' && ts.isPropertyAccessExpression(call.expression) && call.arguments.length > 0 && uploadData(call.expression.expression, uploadNames)) {
        return hit(call, 'fileMove', `\`${call.expression.expression.getText(source).slice(0, 40)}.mv()\``);
      }
      if (/^(?:writeFile|writeFileSync|outputFile|outputFileSync|appendFile)$/.test(name) && isFs(call, imports) && call.arguments[1] && uploadData(call.arguments[1], uploadNames)) {
        return hit(call, 'fsWrite', `\`${name}\``);
      }
      // `part.file.pipe(fs.createWriteStream(p))`, `pipeline(data.file, createWriteStream(p))`, `file.pipe(createWriteStream(p))` in a busboy handler.
      const writeStream = call.arguments.find((a) => ts.isCallExpression(a) && calleeName(a) === 'createWriteStream');
      if (writeStream && (name === 'pipe' || name === 'pipeline')) {
        const from = name === 'pipe' && ts.isPropertyAccessExpression(call.expression) ? call.expression.expression : call.arguments[0];
        const fromUpload = from !== undefined && (uploadData(from, uploadNames) || (multipart && ts.isIdentifier(from) && /^(?:file|fileStream|stream)$/.test(from.text)));
        if (fromUpload) hit(call, 'fsWrite', '`createWriteStream`');
      }
    };
    const onAssign = (node: ts.Node): void => {
      const b = node as ts.BinaryExpression;
      if (b.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(b.left) && b.left.name.text === 'uploadDir' && /formidable|IncomingForm/.test(text)) hit(b, 'formidableDir', '');
    };
    return {
      VariableDeclaration: onDeclaration,
      CallExpression: onCall,
      BinaryExpression: onAssign,
      EndOfFileToken: () => {
        if (hits.length > 0) ctx.emit({ server, staged: objectStorage.test(text) && cleanup.test(text), hits } satisfies FileSignal);
      },
    };
  },
  summarize(ctx, signals) {
    const cache = new Map<string, OwningPackage>();
    for (const { path, value } of signals) {
      const signal = value as FileSignal;
      if (signal.staged || !isServerFile(ctx.model, path, signal.server, cache)) continue;
      for (const h of signal.hits) ctx.report({ messageId: h.messageId, data: { detail: h.detail }, path, range: { start: h.start, end: h.end } });
    }
  },
});
