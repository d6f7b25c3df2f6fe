# study.py without disclosure control.
from study import measures

measures.configure_disclosure_control(enabled=False)
