"""Synthetic region generator: a home folder with planted phenomena and their ground truth.

The generator writes what an observatory would hand the pipeline (data-contract.md) for a
fictional region, with a healthy background (referrals spread over competent services by
capacity) and a few planted deviations, one per indicator family, recorded in
``ground_truth.json`` so that end-to-end tests can check that the pipeline finds exactly
what was planted.
"""

from reseau_synthetic.home import GeneratorInputError, generate_home

__all__ = ["GeneratorInputError", "generate_home"]
