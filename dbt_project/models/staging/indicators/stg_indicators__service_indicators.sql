with

source as (
    select * from {{ source('indicators', 'service_indicators') }}
),

final as (
    select
        service_id,
        month,
        window_months,
        referrals_sent::bigint as referrals_sent,
        referrals_received::bigint as referrals_received,
        partners_out::bigint as partners_out,
        partners_in::bigint as partners_in,
        hhi_out,
        acceptance_rate_received,
        out_of_mission_received_rate,
        pagerank,
        betweenness,
        betweenness_method
    from source
)

select * from final
