"""`stampli-nav match-vendors`: pair Stampli's vendors with NAV's at go-live and fill vendor_number_mapping.

inputs.py reads both vendor lists, review.py writes (and reads back) the review file, mapping_file.py merges
accepted pairs into the connection file. The rules themselves are libs/vendor_matching.
"""
