-- Every row read is accounted for: loaded + merged + superseded + quarantined = read.
select *
from {{ ref('load_audit') }}
where rows_loaded + rows_merged + rows_superseded + rows_quarantined != rows_read
