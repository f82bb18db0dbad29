-- Legal hold reaches a held communication's parts. sql/0002 refuses deleting a
-- held communication; its participants, attachments, recordings, transcript
-- segments and chunks could still be deleted one by one, so a careless or
-- hostile caller could strip a held record of its attachments while the row
-- itself survived. Now each part of a held communication is refused too,
-- whoever asks, with the one exception sql/0006 makes: the owner purging the
-- customer whose relocation the transaction declares (its verified copy
-- holds the hold). Disposition deletes parts of unheld communications only,
-- and a cascade from an unheld communication passes: its parent is not held.

CREATE FUNCTION panops_refuse_held_part_delete() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public, pg_temp
  AS $fn$
DECLARE
  communication uuid;
BEGIN
  IF TG_TABLE_NAME = 'transcript_segments' THEN
    SELECT r.communication_id INTO communication
      FROM recordings r WHERE r.customer_id = OLD.customer_id AND r.id = OLD.recording_id;
  ELSE
    communication := OLD.communication_id;
  END IF;
  IF communication IS NOT NULL
    AND EXISTS (
      SELECT 1 FROM communications c
       WHERE c.customer_id = OLD.customer_id AND c.id = communication AND c.legal_hold
    )
    AND NOT (
      current_user = '{{owner_role}}'
      AND current_setting('panops.relocating_customer_id', true) = OLD.customer_id::text
      AND OLD.customer_id = panops_current_customer_id()
    ) THEN
    RAISE EXCEPTION '% row of communication % is under legal hold', TG_TABLE_NAME, communication
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN OLD;
END
$fn$;

CREATE TRIGGER participants_legal_hold BEFORE DELETE ON participants
  FOR EACH ROW EXECUTE FUNCTION panops_refuse_held_part_delete();
CREATE TRIGGER attachments_legal_hold BEFORE DELETE ON attachments
  FOR EACH ROW EXECUTE FUNCTION panops_refuse_held_part_delete();
CREATE TRIGGER recordings_legal_hold BEFORE DELETE ON recordings
  FOR EACH ROW EXECUTE FUNCTION panops_refuse_held_part_delete();
CREATE TRIGGER transcript_segments_legal_hold BEFORE DELETE ON transcript_segments
  FOR EACH ROW EXECUTE FUNCTION panops_refuse_held_part_delete();
CREATE TRIGGER chunks_legal_hold BEFORE DELETE ON chunks
  FOR EACH ROW EXECUTE FUNCTION panops_refuse_held_part_delete();
