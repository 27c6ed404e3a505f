-- The queue, as shipped by maragu.dev/goqite v0.4.0 (schema_sqlite.sql).
create table goqite (
  id text primary key default ('m_' || lower(hex(randomblob(16)))),
  created text not null default (strftime('%Y-%m-%dT%H:%M:%fZ')),
  updated text not null default (strftime('%Y-%m-%dT%H:%M:%fZ')),
  queue text not null,
  body blob not null,
  timeout text not null default (strftime('%Y-%m-%dT%H:%M:%fZ')),
  received integer not null default 0,
  priority integer not null default 0
) strict;

create trigger goqite_updated_timestamp after update on goqite begin
  update goqite set updated = strftime('%Y-%m-%dT%H:%M:%fZ') where id = old.id;
end;

create index goqite_queue_priority_created_idx on goqite (queue, priority desc, created);

-- Jobs that ran out of tries, kept for operators with their last error.
create table failed_jobs (
  id text primary key,
  kind text not null,
  payload text not null,
  error text not null,
  attempts integer not null,
  failed_at text not null,
  retried_at text
) strict;
create index failed_jobs_open_idx on failed_jobs (retried_at, failed_at);

create table users (
  id text primary key,
  email text not null unique collate nocase,
  name text not null default '',
  role text not null check (role in ('operator', 'attendee')),
  password_hash text not null,
  consent_at text,
  consent_text text,
  created_at text not null
) strict;

create table sessions (
  token_hash blob primary key,
  user_id text not null references users (id) on delete cascade,
  csrf_token text not null,
  created_at text not null,
  expires_at text not null
) strict;
create index sessions_user_idx on sessions (user_id);

create table password_resets (
  token_hash blob primary key,
  user_id text not null references users (id) on delete cascade,
  created_at text not null,
  expires_at text not null,
  used_at text
) strict;

create table projects (
  id text primary key,
  name text not null,
  date text not null,
  location text not null default '',
  latitude real,
  longitude real,
  timezone text not null,
  currency text not null,
  watermark_text text not null default '',
  gallery_visibility text not null default 'tagged' check (gallery_visibility in ('tagged', 'all')),
  created_at text not null,
  updated_at text not null
) strict;

create table project_members (
  project_id text not null references projects (id) on delete cascade,
  user_id text not null references users (id) on delete cascade,
  created_at text not null,
  primary key (project_id, user_id)
) strict;
create index project_members_user_idx on project_members (user_id);

create table invites (
  id text primary key,
  project_id text not null references projects (id) on delete cascade,
  email text not null collate nocase,
  name text not null default '',
  token_hash blob not null unique,
  status text not null check (status in ('pending', 'accepted', 'revoked')),
  sends integer not null default 1,
  email_status text not null default 'queued' check (email_status in ('queued', 'sent', 'failed')),
  email_error text not null default '',
  created_at text not null,
  expires_at text not null,
  accepted_at text,
  user_id text references users (id) on delete set null
) strict;
create index invites_project_idx on invites (project_id, email);

create table photos (
  id text primary key,
  project_id text not null references projects (id) on delete cascade,
  status text not null check (status in ('uploading', 'processing', 'ready', 'failed')),
  error text not null default '',
  filename text not null default '',
  content_type text not null,
  size integer not null,
  width integer not null default 0,
  height integer not null default 0,
  taken_at text,
  clean_ready integer not null default 0,
  created_at text not null,
  updated_at text not null
) strict;
create index photos_project_idx on photos (project_id, id);
create index photos_status_idx on photos (status, updated_at);

create table selfies (
  id text primary key,
  seq integer not null unique,
  user_id text not null references users (id) on delete cascade,
  object_key text not null,
  content_type text not null,
  size integer not null,
  status text not null check (status in ('uploading', 'pending', 'approved', 'rejected')),
  rejection_reason text not null default '',
  created_at text not null,
  updated_at text not null
) strict;
create index selfies_user_idx on selfies (user_id, created_at);

-- Approved selfies' face embeddings, keyed by selfies.seq.
create virtual table selfie_embeddings using vec0 (
  selfie_seq integer primary key,
  embedding float[512] distance_metric=cosine
);

create table tags (
  id text primary key,
  project_id text not null references projects (id) on delete cascade,
  photo_id text not null references photos (id) on delete cascade,
  user_id text not null references users (id) on delete cascade,
  status text not null check (status in ('confirmed', 'removed')),
  removed_by text not null default '',
  notified_at text,
  created_at text not null,
  updated_at text not null,
  unique (photo_id, user_id)
) strict;
create index tags_user_idx on tags (user_id, project_id);
create index tags_project_idx on tags (project_id);

create table packages (
  id text primary key,
  project_id text not null references projects (id) on delete cascade,
  name text not null,
  kind text not null check (kind in ('single', 'bundle', 'all')),
  photo_count integer not null default 0,
  price_cents integer not null check (price_cents >= 0),
  currency text not null,
  retired_at text,
  created_at text not null
) strict;
create index packages_project_idx on packages (project_id);

create table purchases (
  id text primary key,
  project_id text not null references projects (id) on delete cascade,
  user_id text not null references users (id) on delete cascade,
  package_id text not null references packages (id),
  package_name text not null,
  kind text not null,
  status text not null check (status in ('pending', 'paid', 'failed')),
  amount integer not null,
  currency text not null,
  payment text not null check (payment in ('stripe', 'offline')),
  payment_intent_id text unique,
  failure_reason text not null default '',
  archive_count integer not null default 0,
  created_at text not null,
  updated_at text not null,
  paid_at text
) strict;
create index purchases_project_idx on purchases (project_id, created_at);
create index purchases_user_idx on purchases (user_id, created_at);

create table purchase_photos (
  purchase_id text not null references purchases (id) on delete cascade,
  photo_id text not null references photos (id) on delete cascade,
  primary key (purchase_id, photo_id)
) strict;

create table stripe_events (
  id text primary key,
  type text not null,
  received_at text not null
) strict;

create table outbox (
  id text primary key,
  kind text not null,
  to_addr text not null,
  subject text not null,
  text_body text not null,
  html_body text not null,
  idempotency_key text not null unique,
  created_at text not null
) strict;

-- Emails handed to the provider, so a retried job never sends twice.
create table sent_emails (
  idempotency_key text primary key,
  kind text not null,
  to_addr text not null,
  provider_id text not null default '',
  sent_at text not null
) strict;

-- Photos already compared with a selfie, so cluster_faces sends only new ones.
create table cluster_scans (
  selfie_id text not null references selfies (id) on delete cascade,
  photo_id text not null references photos (id) on delete cascade,
  primary key (selfie_id, photo_id)
) strict;

-- One queued cluster_faces job per attendee and project at a time.
create table cluster_pending (
  user_id text not null references users (id) on delete cascade,
  project_id text not null references projects (id) on delete cascade,
  primary key (user_id, project_id)
) strict;

-- One queued notify_user_tagged digest per attendee and project at a time.
create table tag_notify_pending (
  user_id text not null references users (id) on delete cascade,
  project_id text not null references projects (id) on delete cascade,
  primary key (user_id, project_id)
) strict;
