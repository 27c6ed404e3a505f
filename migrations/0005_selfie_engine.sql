-- Every selfie records the engine whose vector it holds; matching reads
-- only its own engine's selfies. Until now a selfie not yet approved
-- carried the column's default ('retina'), and a selfie the external face
-- service approved kept 'retina' after the built-in engine described it.

-- Not approved: no engine has a vector for it.
update selfies set engine = '' where status != 'approved';

-- Described by the built-in engine: its selfie, and the service's
-- embedding goes.
update selfies set engine = 'builtin'
  where status = 'approved' and seq in (select selfie_seq from selfie_vectors);
delete from selfie_embeddings
  where selfie_seq in (select seq from selfies where engine = 'builtin');

-- An engine's table holds only its own selfies' vectors.
delete from selfie_vectors
  where selfie_seq not in (select seq from selfies where engine = 'builtin');
delete from selfie_embeddings
  where selfie_seq not in (select seq from selfies where engine = 'retina');
