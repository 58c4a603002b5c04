# The authorization matrix's world (two jobs, an application, interviews, a drafted letter).
from tests.test_authz_matrix import world  # noqa: F401
