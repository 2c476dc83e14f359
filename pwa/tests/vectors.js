// The shared conformance vectors, read from the repository (sync/vectors/), never copied.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const VECTORS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sync', 'vectors')
export const loadVectors = (name) => JSON.parse(readFileSync(join(VECTORS, name), 'utf-8'))
