-- Hash functions: the values must be Spark's (joins on hashes, dedupe keys).

-- name: md5_sha
SELECT md5('Spark') AS md5, sha1('Spark') AS sha1, sha('Spark') AS sha;

-- name: sha2
SELECT sha2('Spark', 256) AS a, sha2('Spark', 0) AS z, sha2('Spark', 224) AS b;

-- name: sha2_512
SELECT sha2('Spark', 512) AS a;

-- name: crc32
SELECT crc32('Spark') AS c;

-- name: murmur_hash
SELECT hash('Spark') AS s, hash(1) AS i, hash(1L) AS l, hash(NULL) AS n, hash('a', 1) AS multi;

-- name: murmur_hash_types
SELECT hash(1.5D) AS d, hash(true) AS b, hash(DATE '2024-02-03') AS dt, hash(1.5) AS dec;

-- name: xxhash64
SELECT xxhash64('Spark') AS s, xxhash64(1) AS i, xxhash64(1L) AS l;

-- name: hash_nulls_in_functions
SELECT md5(NULL) AS m, sha2(NULL, 256) AS s, crc32(NULL) AS c;

-- name: hash_of_column
SELECT id, hash(id) AS h, md5(CAST(id AS STRING)) AS m FROM range(3) ORDER BY id;
