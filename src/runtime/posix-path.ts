// POSIX path operations for hosts without node:path (the browser, where a database's
// location is a path inside the origin private file system, rooted at '/'). They behave
// as node:path's posix functions do with '/' as the working directory.

function normalizeParts(path: string): string[] {
  const out: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') out.pop()
    else out.push(part)
  }
  return out
}

export function posixResolve(path: string): string {
  return '/' + normalizeParts(path).join('/')
}

export function posixJoin(...parts: string[]): string {
  const joined = parts.filter((p) => p.length > 0).join('/')
  if (joined.length === 0) return '.'
  const absolute = joined.startsWith('/')
  const trailing = joined.endsWith('/')
  // Unlike resolve, join keeps a leading '..' of a relative path.
  const out: string[] = []
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop()
    else if (part !== '..' || !absolute) out.push(part)
  }
  const body = out.join('/')
  const result = (absolute ? '/' : '') + body
  if (result.length === 0) return absolute ? '/' : trailing ? './' : '.'
  return trailing && body.length > 0 ? result + '/' : result
}

export function posixBasename(path: string): string {
  let end = path.length
  while (end > 1 && path[end - 1] === '/') end--
  const trimmed = path.slice(0, end)
  if (trimmed === '/') return ''
  return trimmed.slice(trimmed.lastIndexOf('/') + 1)
}

export function posixDirname(path: string): string {
  if (path.length === 0) return '.'
  const hasRoot = path[0] === '/'
  let end = -1
  let matchedSlash = true
  for (let i = path.length - 1; i >= 1; --i) {
    if (path[i] === '/') {
      if (!matchedSlash) {
        end = i
        break
      }
    } else matchedSlash = false
  }
  if (end === -1) return hasRoot ? '/' : '.'
  if (hasRoot && end === 1) return '//'
  return path.slice(0, end)
}
