// A user's file importing every package, type-checked with tsc --strict and
// no skipLibCheck (every shipped .d.ts and what it imports is checked).
import { type TaskRef, Semaphore, ThreadPool, tasks } from "juggle-core";
import { BaseExecutor, resolveTask } from "juggle-core/executor";
import { Value } from "juggle-core/shared-memory";
import { RedisPool, type RedisPoolOptions } from "juggle-redis";
import { main as redisCli } from "juggle-redis/cli";
import { main as labCli } from "juggle-lab/cli";

const t = tasks<typeof import("./tasks.ts")>(new URL("./tasks.ts", import.meta.url));
const ref: TaskRef<(x: number) => number> = t.quadruple;

export async function run(options: RedisPoolOptions): Promise<number> {
  await using pool = new ThreadPool({ workers: 1 });
  const sixteen: number = await pool.submit(ref, 4);
  const redis = new RedisPool(options);
  const twelve: number = await redis.submit(t.quadruple, 3);
  await redis.terminate();
  const semaphore = new Semaphore(2);
  await semaphore.acquire();
  semaphore.release();
  const value = new Value("int32", 1);
  return sixteen + twelve + value.value;
}

export const used = [BaseExecutor, resolveTask, redisCli, labCli];
