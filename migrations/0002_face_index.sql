-- The built-in face engine's face index: every face found in a photo, once,
-- and the approved selfies described by the same engine. Vectors of the
-- external face service (512 values, in selfie_embeddings) and of the
-- built-in engine (1024 values) never share a table.

-- The similarity from which a face counts as the attendee's; null is the
-- engine's default.
alter table projects add column face_threshold real;

-- Which engine described an approved selfie: 'retina' or 'builtin'.
alter table selfies add column engine text not null default 'retina';

-- When the photo's faces were indexed (null: not yet) and how many.
alter table photos add column faces_indexed_at text;
alter table photos add column face_count integer not null default 0;

create table photo_faces (
  id integer primary key,
  photo_id text not null references photos (id) on delete cascade,
  project_id text not null,
  engine text not null,
  dim integer not null,
  x real not null,
  y real not null,
  w real not null,
  h real not null,
  score real not null
) strict;
create index photo_faces_photo_idx on photo_faces (photo_id);

-- One vector per photo_faces row (face_id = photo_faces.id), partitioned
-- by project so a KNN query reads one event's faces only.
create virtual table face_vectors using vec0 (
  face_id integer primary key,
  project_id text partition key,
  embedding float[1024] distance_metric=cosine,
  +photo_id text
);

-- A virtual table has no foreign keys: deleting a face (directly, or by
-- cascade from its photo or project) deletes its vector.
create trigger photo_faces_vector_delete after delete on photo_faces begin
  delete from face_vectors where face_id = old.id;
end;

-- Approved selfies described by the built-in engine, keyed by selfies.seq.
create virtual table selfie_vectors using vec0 (
  selfie_seq integer primary key,
  embedding float[1024] distance_metric=cosine
);

create trigger selfies_vector_delete after delete on selfies begin
  delete from selfie_vectors where selfie_seq = old.seq;
  delete from selfie_embeddings where selfie_seq = old.seq;
end;

-- Borderline matches, a little below the project's threshold, waiting for
-- an operator: accepted ones become tags, dismissed ones never come back.
create table face_reviews (
  id text primary key,
  project_id text not null references projects (id) on delete cascade,
  photo_id text not null references photos (id) on delete cascade,
  user_id text not null references users (id) on delete cascade,
  similarity real not null,
  status text not null default 'open' check (status in ('open', 'accepted', 'dismissed')),
  created_at text not null,
  updated_at text not null,
  unique (photo_id, user_id)
) strict;
create index face_reviews_project_idx on face_reviews (project_id, status);
