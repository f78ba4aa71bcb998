"""destination-dynamics-nav: posts approved Stampli invoices to Microsoft Dynamics NAV / Business Central."""

from destination_dynamics_nav.destination import DestinationDynamicsNav

__all__ = ["DestinationDynamicsNav"]
