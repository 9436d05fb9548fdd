with

indicators as (
    select * from {{ ref('stg_indicators__service_indicators') }}
),

final as (
    select
        service_id,
        month,
        window_months,
        referrals_sent,
        referrals_received,
        partners_out,
        partners_in,
        hhi_out,
        acceptance_rate_received,
        out_of_mission_received_rate,
        pagerank,
        betweenness,
        betweenness_method
    from indicators
)

select * from final
