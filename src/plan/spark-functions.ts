/**
 * The built-in functions of Spark SQL 3.3 (Glue 4; Glue 5 runs 3.5, a superset), by the names
 * SQL calls them. A Spark-dialect statement may call only these: a name outside the list is a
 * DuckDB function (or a typo) that Spark would refuse at analysis, on the cluster.
 */
export const SPARK_FUNCTIONS: ReadonlySet<string> = new Set([
  // aggregate
  ...['any', 'approx_count_distinct', 'approx_percentile', 'array_agg', 'avg', 'bit_and', 'bit_or', 'bit_xor'],
  ...['bool_and', 'bool_or', 'collect_list', 'collect_set', 'corr', 'count', 'count_if', 'count_min_sketch'],
  ...['covar_pop', 'covar_samp', 'every', 'first', 'first_value', 'grouping', 'grouping_id', 'histogram_numeric'],
  ...['kurtosis', 'last', 'last_value', 'max', 'max_by', 'mean', 'min', 'min_by', 'percentile', 'percentile_approx'],
  ...['regr_avgx', 'regr_avgy', 'regr_count', 'regr_r2', 'skewness', 'some', 'std', 'stddev', 'stddev_pop'],
  ...['stddev_samp', 'sum', 'try_avg', 'try_sum', 'var_pop', 'var_samp', 'variance'],
  // window
  ...['cume_dist', 'dense_rank', 'lag', 'lead', 'nth_value', 'ntile', 'percent_rank', 'rank', 'row_number'],
  // array, map and higher-order
  ...['aggregate', 'array', 'array_contains', 'array_distinct', 'array_except', 'array_intersect', 'array_join'],
  ...['array_max', 'array_min', 'array_position', 'array_remove', 'array_repeat', 'array_size', 'array_sort'],
  ...['array_union', 'arrays_overlap', 'arrays_zip', 'cardinality', 'concat', 'element_at', 'exists', 'filter'],
  ...['flatten', 'forall', 'map', 'map_concat', 'map_contains_key', 'map_entries', 'map_filter', 'map_from_arrays'],
  ...['map_from_entries', 'map_keys', 'map_values', 'map_zip_with', 'reverse', 'sequence', 'shuffle', 'size'],
  ...['slice', 'sort_array', 'str_to_map', 'transform', 'transform_keys', 'transform_values', 'try_element_at'],
  ...['zip_with', 'named_struct', 'struct'],
  // generators
  ...['explode', 'explode_outer', 'inline', 'inline_outer', 'posexplode', 'posexplode_outer', 'stack'],
  // date and time
  ...['add_months', 'current_date', 'current_timestamp', 'current_timezone', 'date_add', 'date_diff', 'date_format'],
  ...['date_from_unix_date', 'date_part', 'date_sub', 'date_trunc', 'dateadd', 'datediff', 'day', 'dayofmonth'],
  ...['dayofweek', 'dayofyear', 'extract', 'from_unixtime', 'from_utc_timestamp', 'hour', 'last_day', 'make_date'],
  ...['make_dt_interval', 'make_interval', 'make_timestamp', 'make_timestamp_ltz', 'make_timestamp_ntz'],
  ...['make_ym_interval', 'minute', 'month', 'months_between', 'next_day', 'now', 'quarter', 'second'],
  ...['session_window', 'timestamp_micros', 'timestamp_millis', 'timestamp_seconds', 'timestampadd', 'timestampdiff'],
  ...['to_date', 'to_timestamp', 'to_timestamp_ltz', 'to_timestamp_ntz', 'to_unix_timestamp', 'to_utc_timestamp'],
  ...['trunc', 'unix_date', 'unix_micros', 'unix_millis', 'unix_seconds', 'unix_timestamp', 'weekday', 'weekofyear'],
  ...['window', 'year'],
  // JSON and CSV
  ...['from_csv', 'from_json', 'get_json_object', 'json_array_length', 'json_object_keys', 'json_tuple'],
  ...['schema_of_csv', 'schema_of_json', 'to_csv', 'to_json'],
  // math
  ...['abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atan2', 'atanh', 'bin', 'bround', 'cbrt', 'ceil', 'ceiling'],
  ...['conv', 'cos', 'cosh', 'cot', 'csc', 'degrees', 'div', 'e', 'exp', 'expm1', 'factorial', 'floor', 'greatest'],
  ...['hex', 'hypot', 'least', 'ln', 'log', 'log10', 'log1p', 'log2', 'mod', 'negative', 'pi', 'pmod', 'positive'],
  ...['pow', 'power', 'radians', 'rand', 'randn', 'random', 'rint', 'round', 'sec', 'shiftleft', 'shiftright'],
  ...['shiftrightunsigned', 'sign', 'signum', 'sin', 'sinh', 'sqrt', 'tan', 'tanh', 'try_add', 'try_divide'],
  ...['try_multiply', 'try_subtract', 'unhex', 'width_bucket', 'bit_count', 'bit_get', 'getbit'],
  // string
  ...['aes_decrypt', 'aes_encrypt', 'ascii', 'base64', 'bit_length', 'btrim', 'char', 'char_length'],
  ...['character_length', 'chr', 'concat_ws', 'contains', 'decode', 'elt', 'encode', 'endswith', 'find_in_set'],
  ...['format_number', 'format_string', 'ilike', 'initcap', 'instr', 'lcase', 'left', 'length', 'levenshtein'],
  ...['like', 'locate', 'lower', 'lpad', 'ltrim', 'octet_length', 'overlay', 'position', 'printf', 'regexp'],
  ...['regexp_extract', 'regexp_extract_all', 'regexp_like', 'regexp_replace', 'repeat', 'replace', 'right'],
  ...['rlike', 'rpad', 'rtrim', 'sentences', 'soundex', 'space', 'split', 'split_part', 'startswith', 'substr'],
  ...['substring', 'substring_index', 'to_binary', 'to_number', 'translate', 'trim', 'ucase', 'unbase64', 'upper'],
  // hashing, conditionals and the rest
  ...['crc32', 'hash', 'md5', 'sha', 'sha1', 'sha2', 'xxhash64', 'assert_true', 'coalesce', 'if', 'ifnull'],
  ...['isnan', 'isnotnull', 'isnull', 'nanvl', 'nullif', 'nvl', 'nvl2', 'raise_error', 'typeof', 'current_catalog'],
  ...['current_database', 'current_user', 'input_file_block_length', 'input_file_block_start', 'input_file_name'],
  ...['java_method', 'monotonically_increasing_id', 'reflect', 'spark_partition_id', 'uuid', 'version'],
  // casts in function form
  ...['bigint', 'binary', 'boolean', 'date', 'decimal', 'double', 'float', 'int', 'smallint', 'string'],
  ...['timestamp', 'tinyint'],
]);
