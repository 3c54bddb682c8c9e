import http from "node:http";

/** A JSON request to Litestream's control socket (HTTP over a Unix socket). */
export function socketRequest<T>(socketPath: string, method: "GET" | "POST", path: string, body?: unknown, timeoutMs = 60_000): Promise<T> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise<T>((resolve, reject) => {
    const req = http.request(
      {
        socketPath,
        method,
        path,
        headers: payload ? { "content-type": "application/json", "content-length": payload.length } : {},
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            return reject(new Error(`Litestream ${method} ${path} answered ${res.statusCode} with no JSON: ${text.slice(0, 200)}`));
          }
          if ((res.statusCode ?? 500) >= 400) {
            const message = (json as { error?: unknown }).error;
            return reject(new LitestreamRequestError(res.statusCode ?? 500, `Litestream ${method} ${path}: ${String(message ?? text)}`));
          }
          resolve(json as T);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`Litestream ${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** Litestream answered with an error status (404: the database is not registered). */
class LitestreamRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "LitestreamRequestError";
  }
}
