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

-- name: get_json_object_wildcards
SELECT get_json_object('{"a": [{"b":1},{"b":2}]}', '$.a[*].b') AS w, get_json_object('[{"f1": "v1"},{"f2": "v2"}]', '$[*].f1') AS one, get_json_object('{"a":[[1,2],[3]]}', '$.a[*][*]') AS flat, get_json_object('{"a b": 1}', '$[''a b'']') AS quoted, get_json_object('{"a": 1e3}', '$.a') AS dbl;

-- name: get_json_object_no_match
SELECT get_json_object('{"a":1}', 'a') AS no_root, get_json_object('{"a":1}', '$.*') AS star, get_json_object('{"a":null}', '$.a') AS null_value, get_json_object('{"a":[]}', '$.a[*]') AS empty;

-- name: from_json_partial_results
SELECT from_json('{"a": 1, "b": "bad"}', 'a INT, b INT') AS partial, from_json('[1]', 'a INT') AS not_object, from_json('null', 'a INT') AS null_json, from_json('{"a":1, "a":2}', 'a INT') AS dup;

-- name: from_json_options
SELECT from_json('{a: 1}', 'a INT', map('allowUnquotedFieldNames', 'true')) AS unquoted, from_json('{''a'': 1}', 'a INT') AS single, from_json('{"t": "26/08/2015 18:00"}', 't TIMESTAMP', map('timestampFormat', 'dd/MM/yyyy HH:mm')) AS ts;


-- name: from_json_numbers
SELECT from_json('{"a": 1.25, "b": 300, "c": "NaN", "d": 1e3}', 'a DECIMAL(5,1), b TINYINT, c DOUBLE, d BIGINT') AS s;

-- name: to_json_doubles
SELECT to_json(named_struct('a', 1.0D, 'b', 1e20D, 'c', 1.5e-7D, 'd', CAST('NaN' AS DOUBLE), 'e', 12345678.9D)) AS j;

-- name: to_json_nested
SELECT to_json(named_struct('a', array(map('k', named_struct('z', 1))))) AS j, to_json(array(array(1, 2), NULL)) AS a, to_json(named_struct('s', 'q"q')) AS s, to_json(named_struct('a', NULL), map('ignoreNullFields', 'false')) AS keep;

-- name: to_json_date_format
SELECT to_json(named_struct('d', DATE '2024-02-03'), map('dateFormat', 'dd/MM/yyyy')) AS j;

-- name: schema_of_json_nested
SELECT schema_of_json('[{"a": 1}, {"b": 2.5}]') AS arr, schema_of_json('{"Z": 1, "a": {}, "B": [[1], [2.5]], "c d": 12345678901234567890}') AS obj, schema_of_json('null') AS nul;

-- name: json_object_keys_edge
SELECT json_object_keys('{}') AS empty, json_object_keys('[1]') AS not_object, json_array_length('[1, [2, 3]]  x') AS len, json_array_length('{"a": 1}') AS not_array;

-- name: from_csv
SELECT from_csv('1,abc,2.5,true', 'a INT, b STRING, c DOUBLE, d BOOLEAN') AS s, from_csv('1,"a,b",x', 'a INT, b STRING, c INT') AS quoted, from_csv('1', 'a INT, b INT') AS short;

-- name: from_csv_options
SELECT from_csv('1;2;3', 'a INT, b INT, c INT', map('sep', ';')) AS sep, from_csv('   abc', 's STRING', map('ignoreLeadingWhiteSpace', 'true')) AS trimmed, from_csv('26/08/2015', 't TIMESTAMP', map('timestampFormat', 'dd/MM/yyyy')) AS ts;


-- name: to_csv
SELECT to_csv(named_struct('a', 1, 'b', 'x,y', 'c', NULL, 'd', 2.5D, 'e', DATE '2024-02-03', 'f', TIMESTAMP '2024-02-03 10:45:11', 'g', 'q"q', 'h', '', 'i', true)) AS c, to_csv(named_struct('a', 1, 'b', 2), map('sep', '|')) AS sep;

-- name: schema_of_csv
SELECT schema_of_csv('1,abc,2.5,true,2024-02-03,2024-02-03 10:00:00,,99999999999,1e3') AS s, schema_of_csv('1|a|true', map('sep', '|')) AS sep;
