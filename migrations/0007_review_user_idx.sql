-- Matching reads each attendee's accepted faces (their references) for
-- every photo indexed: find them by attendee.
create index face_reviews_user_idx on face_reviews (user_id, status);
