import { getServerSession } from "next-auth";
import { UnauthorizedError } from "../errors";
import type { Actor } from "../data/context";
import { authOptions } from "./options";

/** The signed-in user of the current request, or null. */
export async function currentUser(): Promise<Actor | null> {
  const session = await getServerSession(authOptions());
  const user = session?.user;
  if (!user?.id || !user.email) return null;
  return { id: user.id, email: user.email, name: user.name ?? user.email };
}

/** The signed-in user, or an UnauthorizedError (401). */
export async function requireUser(): Promise<Actor> {
  const user = await currentUser();
  if (!user) throw new UnauthorizedError("Sign in to continue.");
  return user;
}
