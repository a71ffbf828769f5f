// Link's onSuccess metadata, as the client passes it through from Plaid: unknown fields inside it are
// ignored (Plaid adds them over time); the fields read are validated. Plaid's institution may be null.
import { z } from 'zod';

const linkAccount = z.object({
  id: z.string().min(1).max(100),
  name: z.string().max(200).nullish(),
  mask: z.string().max(10).nullish(),
  type: z.string().max(50).nullish(),
  subtype: z.string().max(100).nullish(),
});

export const linkMetadata = z.object({
  institution: z.object({ institution_id: z.string().min(1).max(50), name: z.string().min(1).max(200) }).nullish(),
  accounts: z.array(linkAccount).max(100).optional(),
  link_session_id: z.string().max(100).nullish(),
});
export type LinkMetadata = z.infer<typeof linkMetadata>;
