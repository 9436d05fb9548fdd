"""réseau: indicators of how social and medico-social services work together."""
