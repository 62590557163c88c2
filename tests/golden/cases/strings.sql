-- String functions PySpark programs use daily.

-- name: concat_with_null
SELECT concat('a', NULL, 'b') AS c, concat('a', 'b', 'c') AS d, 'a' || 'b' AS op;

-- name: concat_ws_skips_nulls
SELECT concat_ws('-', 'a', NULL, 'b') AS a, concat_ws(',', array('x', 'y'), 'z') AS b, concat_ws('-') AS empty;

-- name: concat_numbers
SELECT concat('v', 1, 2.5, true) AS c;

-- name: substring_positive
SELECT substring('Spark SQL', 1, 5) AS a, substr('Spark SQL', 7) AS b, substring('Spark', 0, 2) AS c;

-- name: substring_negative
SELECT substring('Spark SQL', -3) AS a, substring('Spark SQL', -3, 2) AS b, substring('Spark', -10, 3) AS c, substring('Spark', 10) AS d;

-- name: left_right
SELECT left('Spark', 2) AS l, right('Spark', 2) AS r, left('Spark', 10) AS l2;

-- name: lengths
SELECT length('Spark') AS a, char_length('héllo') AS b, octet_length('héllo') AS c, bit_length('a') AS d, length(NULL) AS e;

-- name: case_functions
SELECT upper('spark') AS u, lower('SPARK') AS l, initcap('hello wORLD spark') AS i, ucase('x') AS u2;

-- name: pad
SELECT lpad('7', 3, '0') AS a, rpad('ab', 5, 'xy') AS b, lpad('abcdef', 3, '0') AS c, lpad('a', 4) AS d;

-- name: trim_family
SELECT concat('[', trim('  a  '), ']') AS t, concat('[', ltrim('  a  '), ']') AS l, concat('[', rtrim('  a  '), ']') AS r;

-- name: trim_characters
SELECT trim(BOTH 'x' FROM 'xxaxx') AS b, trim(LEADING 'x' FROM 'xxa') AS l, trim(TRAILING 'x' FROM 'axx') AS t, btrim('xyaxy', 'xy') AS bt;

-- name: split
SELECT split('a,b,,c', ',') AS a, split('a1b2c3', '[0-9]') AS b, split('a,b,c', ',', 2) AS c;

-- name: split_part
SELECT split_part('a,b,c', ',', 2) AS a, split_part('a,b,c', ',', -1) AS b, split_part('a,b,c', ',', 5) AS c;

-- name: regexp_replace
SELECT regexp_replace('2024-02-03', '-', '/') AS a, regexp_replace('abc123', '([a-z]+)([0-9]+)', '$2$1') AS b;

-- name: regexp_with_backslash_escapes
SELECT regexp_replace('a1b22', '\\d+', '#') AS a, regexp_extract('x=42', 'x=(\\d+)', 1) AS b;

-- name: regexp_extract
SELECT regexp_extract('100-200', '([0-9]+)-([0-9]+)', 1) AS a, regexp_extract('100-200', '([0-9]+)-([0-9]+)', 2) AS b, regexp_extract('100-200', '([0-9]+)', 0) AS c, regexp_extract('abc', '([0-9]+)', 1) AS none;

-- name: regexp_extract_all
SELECT regexp_extract_all('a1b22c333', '([0-9]+)', 1) AS a;

-- name: rlike_like
SELECT 'abc' RLIKE '^a' AS r, 'Spark' LIKE 'S%k' AS l, 'Spark' LIKE 's%' AS l2, 'Spark' ILIKE 's%' AS il, 'a_c' LIKE 'a_c' AS u, regexp_like('abc', 'b') AS rl;

-- name: instr_locate
SELECT instr('SparkSQL', 'SQL') AS a, locate('a', 'banana') AS b, locate('a', 'banana', 3) AS c, instr('abc', 'z') AS d, position('b' IN 'abc') AS e;

-- name: format_number
SELECT format_number(1234567.891, 2) AS a, format_number(0.5, 0) AS b, format_number(1234.5D, 0) AS c, format_number(-1234.567D, 1) AS d;

-- name: format_string
SELECT format_string('%s is %d years', 'Ann', 30) AS a, format_string('%.2f', 3.14159D) AS b, printf('%05d', 42) AS c, format_string('%s', NULL) AS d;

-- name: repeat_reverse_translate
SELECT repeat('ab', 3) AS r, reverse('Spark') AS v, translate('AaBbCc', 'abc', '123') AS t, translate('abc', 'b', '') AS t2;

-- name: replace
SELECT replace('ABCabc', 'abc', 'DEF') AS a, replace('abc', 'b') AS b;

-- name: ascii_chr
SELECT ascii('A') AS a, chr(65) AS c, char(66) AS c2, ascii('') AS e;

-- name: space_overlay
SELECT concat('[', space(3), ']') AS s, overlay('Spark SQL' PLACING '_' FROM 6) AS o, overlay('Spark SQL' PLACING 'CORE' FROM 7 FOR 3) AS o2;

-- name: levenshtein_soundex
SELECT levenshtein('kitten', 'sitting') AS l, soundex('Robert') AS s;

-- name: base64
SELECT base64('Spark') AS b, CAST(unbase64('U3Bhcms=') AS STRING) AS u;

-- name: encode_decode
SELECT decode(encode('Spark', 'UTF-8'), 'UTF-8') AS s, encode('é', 'UTF-8') AS b;

-- name: contains_startswith
SELECT contains('Spark', 'ar') AS c, startswith('Spark', 'Sp') AS s, endswith('Spark', 'rk') AS e, contains('Spark', NULL) AS n;

-- name: substring_index
SELECT substring_index('a.b.c', '.', 2) AS a, substring_index('a.b.c', '.', -1) AS b, substring_index('a.b.c', '.', 0) AS c;

-- name: find_in_set_elt
SELECT find_in_set('b', 'a,b,c') AS f, find_in_set('z', 'a,b') AS none, elt(2, 'a', 'b') AS e;

-- name: string_nulls
SELECT upper(NULL) AS u, length(CAST(NULL AS STRING)) AS l, concat_ws(',', NULL) AS c;

-- name: double_quoted_string_literal
SELECT "Ann" AS name, 'it''s' AS quote;

-- name: escaped_tab
SELECT 'a\tb' AS s, length('a\tb') AS n;

-- name: string_functions_on_column
SELECT name, upper(name) AS u, length(name) AS n FROM (VALUES ('ann'), ('Bob'), (NULL)) AS t(name) ORDER BY name NULLS LAST;

-- name: string_comparison_order
SELECT s FROM (VALUES ('b'), ('B'), ('a'), ('10'), ('9')) AS t(s) ORDER BY s;

-- name: wide_characters_show
SELECT '日本語' AS w, 'abc' AS a;

-- name: sentences_words
SELECT split('hello  world', ' ') AS parts, size(split('a b c', ' ')) AS n;
