-- A member may suggest an agenda item without their name on it: coordinators and members then
-- see "a member". The suggester stays recorded, so their export and delete still cover it.
ALTER TABLE agenda_items ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1));
