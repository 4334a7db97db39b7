import { join } from 'node:path';
import { packageRoot } from '../core/versions.js';
import { validateManifests, type FeatureManifest } from './manifest.js';
import base from '../../templates/base/feature.js';
import tenancy from '../../templates/tenancy/feature.js';
import ci from '../../templates/ci/feature.js';
import infra from '../../templates/infra/feature.js';
import packageManager from '../../templates/package-manager/feature.js';
import app from '../../templates/app/feature.js';
import delivery from '../../templates/delivery/feature.js';

/** Every feature module, in prompt order. */
export const features: readonly FeatureManifest[] = [base, tenancy, ci, infra, packageManager, app, delivery];

validateManifests(features);

/** Where the `files/` trees are read from at runtime (the package root, also when running from dist/). */
export const templatesRoot = join(packageRoot, 'templates');
