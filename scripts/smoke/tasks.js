// A JavaScript task module.
export function triple(x) {
  return x * 3;
}
