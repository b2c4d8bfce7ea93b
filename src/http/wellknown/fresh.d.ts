// The `fresh` package (express's own conditional-GET check) ships no types.
declare module "fresh" {
  export default function fresh(
    reqHeaders: Record<string, string | string[] | undefined>,
    resHeaders: Record<string, string | undefined>,
  ): boolean;
}
