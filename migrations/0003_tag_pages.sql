-- An attendee's photo page reads their tags in photo order, straight from
-- the index: no sort, and the page cursor is a seek.
drop index tags_user_idx;
create index tags_user_photo_idx on tags (user_id, project_id, photo_id);
