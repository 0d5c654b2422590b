"""The station: what plays when — picking, scheduling transitions, controls, mixtapes."""
