// placeholder, filled in step 5
export async function benchmark(_args: Record<string, unknown>): Promise<unknown> {
  return {}
}
