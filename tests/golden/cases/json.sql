-- JSON functions.

-- name: get_json_object
SELECT get_json_object('{"a": {"b": 1}, "c": [10, 20]}', '$.a.b') AS ab, get_json_object('{"a": {"b": 1}}', '$.a') AS a, get_json_object('{"a": 1}', '$.z') AS missing, get_json_object('{"c": [10, 20]}', '$.c[1]') AS idx;

-- name: get_json_object_strings
SELECT get_json_object('{"s": "x y", "n": null, "f": 1.50}', '$.s') AS s, get_json_object('{"n": null}', '$.n') AS n, get_json_object('{"f": 1.50}', '$.f') AS f;

-- name: get_json_object_invalid
SELECT get_json_object('not json', '$.a') AS v;

-- name: json_tuple
SELECT json_tuple('{"a": 1, "b": "x"}', 'a', 'b');

-- name: from_json_struct
SELECT from_json('{"a": 1, "b": "x"}', 'a INT, b STRING') AS s, from_json('{"a": 1, "b": "x"}', 'a INT, b STRING').b AS b;

-- name: from_json_array_and_map
SELECT from_json('[1, 2]', 'array<int>') AS a, from_json('{"k": 1}', 'map<string,int>') AS m;

-- name: from_json_malformed
SELECT from_json('{"a": ', 'a INT') AS s;

-- name: from_json_schema_types
SELECT from_json('{"d": "2024-02-03", "ts": "2024-02-03T10:45:11"}', 'd DATE, ts TIMESTAMP') AS s;

-- name: to_json
SELECT to_json(named_struct('a', 1, 'b', 'x')) AS s, to_json(array(1, 2)) AS a, to_json(map('a', 1)) AS m, to_json(named_struct('a', NULL, 'b', 2)) AS nulls;

-- name: to_json_types
SELECT to_json(named_struct('d', DATE '2024-02-03', 'ts', TIMESTAMP '2024-02-03 10:45:11', 'x', 1.5D, 'dec', 1.50)) AS j;

-- name: schema_of_json
SELECT schema_of_json('{"a": 1, "b": [1.5], "c": "x"}') AS s;

-- name: json_array_length_object_keys
SELECT json_array_length('[1, 2, 3]') AS n, json_object_keys('{"a": 1, "b": 2}') AS k;
