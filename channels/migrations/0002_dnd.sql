-- Do not disturb: until this Unix millisecond (the maximum integer means
-- until turned off); NULL when off.
ALTER TABLE users ADD COLUMN dnd_until INTEGER;
