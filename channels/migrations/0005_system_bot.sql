-- The system bot is the workspace's own bot user: it sends people notices
-- (a disabled webhook, a reminder) in a DM. At most one user has is_system.
ALTER TABLE users ADD COLUMN is_system INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX users_system ON users(is_system) WHERE is_system = 1;
