import { getOrchestrator } from "@/lib/data/context";
import { json, route } from "../_lib/handler";

/** GET /api/templates: what "New instance" offers (public: templates are part of the product). */
export const GET = route(async () => json({ templates: await getOrchestrator().templates() }));
