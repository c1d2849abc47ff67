"""The knowledge base operators answer from: articles by field and agency, drafted by agencies and
approved by the hotline, searched as the operator types, cited on tickets, published as the
citizens' FAQ, imported from agencies' spreadsheets and documents."""
