import type { Prisma } from './client';
import { isUniqueViolation } from './errors';

/** Every read and write of the SchedulerLease table: one row per scheduled fire, inserted by the replica that runs it. */

/** True when this call inserted the fire's row (and so runs it); false when another replica did. */
export async function claimFire(prisma: Prisma, fire: { key: string; owner: string; expiresAt: Date; createdAt: Date }): Promise<boolean> {
  try {
    await prisma.schedulerLease.create({ data: fire });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

export async function completeFire(prisma: Prisma, key: string, owner: string, at: Date): Promise<void> {
  await prisma.schedulerLease.updateMany({ where: { key, owner }, data: { completedAt: at } });
}

export async function pruneFires(prisma: Prisma, before: Date): Promise<number> {
  const { count } = await prisma.schedulerLease.deleteMany({ where: { createdAt: { lt: before } } });
  return count;
}
