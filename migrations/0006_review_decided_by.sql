-- Who decided a borderline match: 'operator' from the review list, or
-- 'threshold' when a later match reached the threshold by itself ('' for
-- matches decided before this was recorded). The faces an operator
-- accepted are the attendee's references for later matching, beside the
-- selfie.
alter table face_reviews add column decided_by text not null default '';
