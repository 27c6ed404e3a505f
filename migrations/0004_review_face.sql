-- Which face of the photo a review is about, so the backoffice can show it.
alter table face_reviews add column face_id integer;
