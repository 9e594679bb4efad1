-- Why a step or subtest ended as it did, when its runner said so (a skip's
-- reason: the need not offered; a failure's message), so that reports need
-- not dig it out of a log that may not exist (a test never booted).
ALTER TABLE steps ADD COLUMN detail text NOT NULL DEFAULT '';
