-- A bot deactivated because its owner was (not by itself) comes back when
-- the owner is reactivated; its tokens are kept meanwhile, and refused.
ALTER TABLE users ADD COLUMN deactivated_with_owner INTEGER NOT NULL DEFAULT 0;
