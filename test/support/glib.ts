/**
 * The real GLib for the file-manager tests, through python3's ctypes: Nemo reads its actions with
 * GKeyFile, makes URIs with g_filename_to_uri and splits the command with g_shell_parse_argv, so
 * these run the very functions Nemo runs (only Nemo's few lines of pasting `%U` are mirrored).
 * `glibAvailable()` says whether python3 and libglib-2.0 are there.
 */
import { spawnSync } from 'node:child_process';

const PY = String.raw`
import ctypes, json, sys
g = ctypes.CDLL('libglib-2.0.so.0')
g.g_key_file_new.restype = ctypes.c_void_p
g.g_key_file_load_from_data.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ssize_t, ctypes.c_int, ctypes.c_void_p]
g.g_key_file_get_string.restype = ctypes.c_char_p
g.g_key_file_get_string.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p]
g.g_filename_to_uri.restype = ctypes.c_char_p
g.g_filename_to_uri.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p]
req = json.loads(sys.stdin.read())
if req['op'] == 'ping':
    print(json.dumps({'ok': True})); sys.exit(0)
kf = g.g_key_file_new()
data = req['keyfile'].encode()
if not g.g_key_file_load_from_data(kf, data, len(data), 0, None):
    print(json.dumps({'error': 'GKeyFile refused the file'})); sys.exit(0)
def get(group, key):
    v = g.g_key_file_get_string(kf, group.encode(), key.encode(), None)
    return None if v is None else v.decode()
out = {'values': {k: get(req['group'], k) for k in req['keys']}}
if req['op'] == 'nemo':
    q = {'double': '"', 'single': "'", 'backtick': '\x60'}.get(get('Nemo Action', 'Quote') or '', '')
    exec_ = get('Nemo Action', 'Exec')
    at = exec_.find('%')
    assert exec_[at:at + 2] == '%U', 'the first % is not %U'
    uris = [g.g_filename_to_uri(f.encode(), None, None).decode() for f in req['files']]
    line = exec_[:at] + ' '.join(q + u + q for u in uris) + exec_[at + 2:]
    argc = ctypes.c_int(); argv = ctypes.POINTER(ctypes.c_char_p)(); err = ctypes.c_void_p()
    if not g.g_shell_parse_argv(line.encode(), ctypes.byref(argc), ctypes.byref(argv), ctypes.byref(err)):
        print(json.dumps({'error': 'g_shell_parse_argv refused: ' + line})); sys.exit(0)
    out['argv'] = [argv[i].decode() for i in range(argc.value)]
    out['uris'] = uris
print(json.dumps(out))
`;

function runPy(req: unknown): Record<string, unknown> {
  const r = spawnSync('python3', ['-c', PY], { input: JSON.stringify(req), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr || r.error?.message}`);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  if (typeof out.error === 'string') throw new Error(out.error);
  return out;
}

export function glibAvailable(): boolean {
  try {
    return runPy({ op: 'ping' }).ok === true;
  } catch {
    return false;
  }
}

/** Values of a key file as GKeyFile reads them (escapes undone). */
export function glibKeyFileValues(
  text: string,
  group: string,
  keys: string[],
): Record<string, string | null> {
  return runPy({ op: 'values', keyfile: text, group, keys }).values as Record<
    string,
    string | null
  >;
}

/** Nemo activating an action on `files`: the argv it spawns, and the URIs GLib made. */
export function glibNemoArgv(text: string, files: string[]): { argv: string[]; uris: string[] } {
  const out = runPy({ op: 'nemo', keyfile: text, group: 'Nemo Action', keys: [], files });
  return { argv: out.argv as string[], uris: out.uris as string[] };
}
